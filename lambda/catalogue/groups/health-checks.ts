import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, minuteRowSchema } from "../query-group.ts";

/**
 * Health check events from `healthCheckEventsAdaptiveGroups` (the checks of load balancer
 * pools and standalone health checks), by result, origin, checking region and failure reason.
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
    },
    {
      healthStatus: z.string(),
      originIP: z.string(),
      region: z.string(),
      fqdn: z.string(),
      failureReason: z.string(),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

export const healthChecks = adaptiveGroup<Row>({
  name: "health-checks",
  scope: "zone",
  dataset: "healthCheckEventsAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      counter(
        "cloudflare_zone_health_check_events_origin_total",
        "Health check events by result (health_status), origin IP, checking region, origin host name (fqdn) and failure reason (empty when healthy)",
        ["health_status", "origin_ip", "region", "fqdn", "failure_reason"],
        "events",
      ),
      (r) => r.count,
      (r) => ({
        health_status: r.dimensions.healthStatus,
        origin_ip: r.dimensions.originIP,
        region: r.dimensions.region,
        fqdn: r.dimensions.fqdn,
        failure_reason: r.dimensions.failureReason,
      }),
      { skipZero: true },
    ),
  ],
});
