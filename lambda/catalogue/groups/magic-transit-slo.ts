import * as z from "../../lib/zod.ts";
import { adaptiveGroup, countSchema, each, gauge, timeSchema } from "../query-group.ts";

/**
 * Magic Transit tunnel health-check SLOs from `magicTransitTunnelHealthCheckSLOsAdaptiveGroups`
 * (account scope), per tunnel and site, in the last counted minute: checks per SLO status, and
 * the effective and target SLO. Rows differ by status; the SLOs are the check-weighted mean
 * over them, which is Cloudflare's mean over all the tunnel's checks.
 */
const rowSchema = () =>
  z.object({
    count: countSchema(),
    avg: z.object({ effectiveSlo: z.number(), slo: z.number() }),
    dimensions: z.object({
      datetimeMinute: timeSchema(),
      tunnelName: z.string(),
      siteName: z.string(),
      status: z.string(),
    }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

const tunnel = (r: Row) => ({ tunnel_name: r.dimensions.tunnelName, site_name: r.dimensions.siteName });
const labels = ["tunnel_name", "site_name"];

export const magicTransitSlo = adaptiveGroup<Row>({
  name: "magic-transit-slo",
  scope: "account",
  dataset: "magicTransitTunnelHealthCheckSLOsAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      gauge(
        "cloudflare_magic_transit_tunnel_slo_status",
        "Health checks of the Magic Transit tunnel per SLO status in the last counted minute",
        [...labels, "status"],
        "health checks",
      ),
      (r) => r.count,
      (r) => ({ ...tunnel(r), status: r.dimensions.status }),
      { merge: "sum", skipZero: true },
    ),
    each(
      gauge(
        "cloudflare_magic_transit_tunnel_effective_slo",
        "Effective SLO (availability, 0-1) of the Magic Transit tunnel in the last counted minute",
        labels,
      ),
      (r) => (r.count > 0 ? r.avg.effectiveSlo : undefined),
      tunnel,
      { merge: "mean", weight: (r) => r.count },
    ),
    each(
      gauge(
        "cloudflare_magic_transit_tunnel_target_slo",
        "Configured target SLO (0-1) of the Magic Transit tunnel in the last counted minute",
        labels,
      ),
      (r) => (r.count > 0 ? r.avg.slo : undefined),
      tunnel,
      { merge: "mean", weight: (r) => r.count },
    ),
  ],
});
