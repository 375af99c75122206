import * as z from "../../lib/zod.ts";
import { adaptiveGroup, countSchema, each, gauge, type MetricFamily, timeSchema } from "../query-group.ts";

/**
 * Each Magic Transit tunnel's state in the last counted minute, from the mean `tunnelState`
 * of `magicTransitTunnelHealthChecksAdaptiveGroups` (Cloudflare encodes 0 = down,
 * 0.5 = degraded, 1 = healthy): healthy at 0.75 or more, degraded at 0.25 or more, else down,
 * as the reference's newer code classifies it. Grouped by tunnel and site only, so each
 * row is one tunnel and minute and its mean is Cloudflare's own over all the tunnel's
 * checks (a mean of means over result statuses or colos would weigh them wrongly).
 */
const rowSchema = () =>
  z.object({
    count: countSchema(),
    avg: z.object({ tunnelState: z.number().check(z.gte(0), z.lte(1)) }),
    dimensions: z.object({ datetimeMinute: timeSchema(), tunnelName: z.string(), siteName: z.string() }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

type State = "healthy" | "degraded" | "down";
const stateOf = (score: number): State => (score >= 0.75 ? "healthy" : score >= 0.25 ? "degraded" : "down");
const tunnel = (r: Row) => ({ tunnel_name: r.dimensions.tunnelName, site_name: r.dimensions.siteName });

function stateGauge(state: State): MetricFamily {
  return gauge(
    `cloudflare_magic_transit_tunnel_state_${state}`,
    `1 if the Magic Transit tunnel was ${state} in the last counted minute (its mean health-check state, 0 down, 0.5 degraded, 1 healthy, classified at 0.25 and 0.75), else 0`,
    ["tunnel_name", "site_name"],
  );
}

export const magicTransitState = adaptiveGroup<Row>({
  name: "magic-transit-state",
  scope: "account",
  dataset: "magicTransitTunnelHealthChecksAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: (["healthy", "degraded", "down"] as const).map((state) =>
    each(
      stateGauge(state),
      (r: Row) => (r.count > 0 ? (stateOf(r.avg.tunnelState) === state ? 1 : 0) : undefined),
      tunnel,
      { merge: "max" },
    ),
  ),
});
