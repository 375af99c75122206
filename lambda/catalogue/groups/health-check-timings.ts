import { once } from "../../lib/once.ts";
import * as z from "../../lib/zod.ts";
import { adaptiveGroup, countSchema, each, gauge, minuteRowSchema } from "../query-group.ts";

/**
 * Health check timings per origin from `healthCheckEventsAdaptiveGroups`: Cloudflare's mean
 * over every check of the origin in the minute (all regions and results), in seconds.
 *
 * The reference grouped by health status, region and failure reason too and kept the
 * largest of those averages (C1); selecting only the labelled dimensions gives one row per
 * origin and minute, whose average is the count-weighted mean over all of its checks.
 */
const millis = once(() => z.number().check(z.nonnegative()));
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
      avg: z.nullable(
        z.object({
          rttMs: millis(),
          timeToFirstByteMs: millis(),
          tcpConnMs: millis(),
          tlsHandshakeMs: millis(),
        }),
      ),
    },
    { originIP: z.string(), fqdn: z.string() },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;
type Timing = keyof NonNullable<Row["avg"]>;

const labels = (r: Row) => ({ origin_ip: r.dimensions.originIP, fqdn: r.dimensions.fqdn });

/** A mean time in seconds, weighted by the row's checks when rows merge; none for a row without checks. */
function timing(name: string, what: string, field: Timing) {
  return each(
    gauge(
      name,
      `Mean ${what} of the health checks of an origin in the last counted minute (all regions and results)`,
      ["origin_ip", "fqdn"],
      "seconds",
    ),
    (r: Row) => (r.count > 0 && r.avg ? r.avg[field] / 1000 : undefined),
    labels,
    { merge: "mean", weight: (r) => r.count },
  );
}

export const healthCheckTimings = adaptiveGroup<Row>({
  name: "health-check-timings",
  scope: "zone",
  dataset: "healthCheckEventsAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    timing("cloudflare_zone_health_check_rtt_seconds", "round-trip time", "rttMs"),
    timing("cloudflare_zone_health_check_ttfb_seconds", "time to first byte", "timeToFirstByteMs"),
    timing("cloudflare_zone_health_check_tcp_connection_seconds", "TCP connection time", "tcpConnMs"),
    timing("cloudflare_zone_health_check_tls_handshake_seconds", "TLS handshake time", "tlsHandshakeMs"),
    // One row per origin (origin_ip, fqdn) and minute, so the mean over rows is the mean per origin.
    each(
      gauge(
        "cloudflare_zone_health_check_events_avg",
        "Mean number of health check events per origin (origin_ip, fqdn) in the last counted minute",
        [],
        "events",
      ),
      (r) => (r.count > 0 ? r.count : undefined),
      () => ({}),
      { merge: "mean", weight: () => 1 },
    ),
  ],
});
