import * as z from "../../lib/zod.ts";
import { adaptiveGroup, countSchema, each, gauge, minuteRowSchema } from "../query-group.ts";

/**
 * How many Cloudflare edge cities health-checked each Magic Transit tunnel in the last
 * counted minute, from `magicTransitTunnelHealthChecksAdaptiveGroups` grouped by tunnel,
 * site and `edgeColoCity`: each row is one distinct city, so the gauge is the sum of one per
 * row (rows without a city are skipped, as in the reference). A query group of its own
 * because the city dimension would split the health-check rows of `magic-transit`.
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
    },
    {
      tunnelName: z.string(),
      siteName: z.string(),
      edgeColoCity: z.string(),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

export const magicTransitColos = adaptiveGroup<Row>({
  name: "magic-transit-colos",
  scope: "account",
  dataset: "magicTransitTunnelHealthChecksAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      gauge(
        "cloudflare_magic_transit_edge_colos",
        "Distinct Cloudflare edge cities whose data centers health-checked the Magic Transit tunnel in the last counted minute",
        ["tunnel_name", "site_name"],
        "cities",
      ),
      (r) => (r.dimensions.edgeColoCity === "" ? undefined : 1),
      (r) => ({ tunnel_name: r.dimensions.tunnelName, site_name: r.dimensions.siteName }),
      { merge: "sum" },
    ),
  ],
});
