import * as z from "zod";
import { adaptiveGroup, countSchema, each, gauge, minuteRowSchema } from "../query-group.ts";

/**
 * Magic Transit tunnel health checks from `magicTransitTunnelHealthChecksAdaptiveGroups`
 * (account scope), per tunnel and site, for the last counted minute.
 *
 * The names are the reference's, but the values are counts of health checks, not of
 * tunnels: Cloudflare's data centers each probe every tunnel several times a minute.
 * `active` is a uint8 (1 when the probing data center had traffic for the tunnel in the last
 * six hours); the reference compared it with "true" and so never emitted the active gauge.
 * Tunnel and site names are labels as they are (the reference joined them with ":" and split
 * them again, which broke names containing ":").
 */
const rowSchema = minuteRowSchema(
  {
    count: countSchema,
  },
  {
    tunnelName: z.string(),
    siteName: z.string(),
    resultStatus: z.string(),
    active: z.number().int().nonnegative(),
  },
);
type Row = z.output<typeof rowSchema>;

const tunnel = (r: Row) => ({ tunnel_name: r.dimensions.tunnelName, site_name: r.dimensions.siteName });
const healthy = (r: Row) => r.dimensions.resultStatus === "healthy";

export const magicTransit = adaptiveGroup<Row>({
  name: "magic-transit",
  scope: "account",
  dataset: "magicTransitTunnelHealthChecksAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    // One row per result status and active flag: the tunnel is active if any of them says so.
    each(
      gauge(
        "cloudflare_magic_transit_active_tunnels",
        "1 if any health check of the Magic Transit tunnel in the last counted minute came from a data center that had traffic for it in the last six hours (active = 1), else 0",
        ["tunnel_name", "site_name"],
      ),
      (r) => (r.dimensions.active > 0 ? 1 : 0),
      tunnel,
      { merge: "max" },
    ),
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
  ],
});
