import * as z from "../../lib/zod.ts";
import { adaptiveGroup, countSchema, each, gauge, minuteRowSchema } from "../query-group.ts";

/**
 * Magic Transit tunnel health checks from `magicTransitTunnelHealthChecksAdaptiveGroups`
 * (account scope), per tunnel and site, for the last counted minute.
 *
 * The names are the reference's, but the values are counts of health checks, not of
 * tunnels: Cloudflare's data centers each probe every tunnel several times a minute.
 * `active` is not selected: Cloudflare answers zero rows when it is among the dimensions
 * (the reference's maintainers found so and dropped it), so the reference's
 * `cloudflare_magic_transit_active_tunnels` is not exported. A check is healthy when its
 * result is "ok" (what the API returns, per the reference's newer code) or "healthy".
 * Tunnel and site names are labels as they are (the reference joined them with ":" and split
 * them again, which broke names containing ":").
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
    },
    {
      tunnelName: z.string(),
      siteName: z.string(),
      resultStatus: z.string(),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

const tunnel = (r: Row) => ({ tunnel_name: r.dimensions.tunnelName, site_name: r.dimensions.siteName });
const healthyResults = new Set(["ok", "healthy"]);
const healthy = (r: Row) => healthyResults.has(r.dimensions.resultStatus);

export const magicTransit = adaptiveGroup<Row>({
  name: "magic-transit",
  scope: "account",
  dataset: "magicTransitTunnelHealthChecksAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    // Every row gives both gauges (0 when it does not match), so a tunnel checked in a minute
    // updates both, and a minute without healthy checks shows 0 rather than an older count.
    each(
      gauge(
        "cloudflare_magic_transit_healthy_tunnels",
        "Health checks of the Magic Transit tunnel that returned healthy in the last counted minute (a count of checks, not of tunnels)",
        ["tunnel_name", "site_name"],
        "health checks",
      ),
      (r) => (healthy(r) ? r.count : 0),
      tunnel,
      { merge: "sum" },
    ),
    each(
      gauge(
        "cloudflare_magic_transit_tunnel_failures",
        "Health checks of the Magic Transit tunnel that returned any result other than healthy (degraded, down, …) in the last counted minute (a count of checks, not of tunnels)",
        ["tunnel_name", "site_name"],
        "health checks",
      ),
      (r) => (healthy(r) ? 0 : r.count),
      tunnel,
      { merge: "sum" },
    ),
    each(
      gauge(
        "cloudflare_magic_transit_tunnel_failure_by_status",
        "Health checks of the Magic Transit tunnel that did not return healthy, by result status, in the last counted minute",
        ["tunnel_name", "site_name", "result_status"],
        "health checks",
      ),
      (r) => (healthy(r) ? undefined : r.count),
      (r) => ({ ...tunnel(r), result_status: r.dimensions.resultStatus }),
      { merge: "sum" },
    ),
  ],
});
