import * as z from "../../lib/zod.ts";
import {
  adaptiveGroup,
  counter,
  countSchema,
  each,
  type GroupSettings,
  minuteRowSchema,
} from "../query-group.ts";

/**
 * Requests of each host on HOST_METRICS_ALLOWLIST (the reference's setting, at most 50
 * hosts), from `httpRequestsAdaptiveGroups` filtered to those hosts: all requests, by edge
 * status and by cache status. The reference exported one window's count as a gauge; these
 * are counters, counted once per settled minute. Off when the allow-list is empty or
 * EXCLUDE_HOST is set (the host is what these families are about). Every plan has the
 * dataset. A row is one host, status and cache status; they add up on each series.
 */
const rowSchema = () =>
  minuteRowSchema(
    { count: countSchema() },
    {
      clientRequestHTTPHost: z.string(),
      edgeResponseStatus: z.number().check(z.int(), z.nonnegative()),
      cacheStatus: z.string(),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

/** `clientRequestHTTPHost_in: [...]` for the allow-list (hostnames need no escaping), or undefined when off. */
export function allowlistFilter(settings: GroupSettings): string | undefined {
  if (settings.excludeHost || settings.hostMetricsAllowlist.length === 0) return undefined;
  return `clientRequestHTTPHost_in: ${JSON.stringify(settings.hostMetricsAllowlist)}`;
}

const host = (r: Row) => ({ host: r.dimensions.clientRequestHTTPHost });

export const hostnameRequests = adaptiveGroup<Row>({
  name: "hostname-requests",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  shards: 1,
  rowSchema,
  filterFromSettings: allowlistFilter,
  series: [
    each(
      counter("cloudflare_zone_hostname_requests_total", "Requests to the host (HOST_METRICS_ALLOWLIST)", [
        "host",
      ]),
      (r) => r.count,
      host,
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_zone_hostname_requests_status_total",
        "Requests to the host (HOST_METRICS_ALLOWLIST) by edge response status",
        ["host", "status"],
      ),
      (r) => r.count,
      (r, context) => ({ ...host(r), status: context.status(r.dimensions.edgeResponseStatus) }),
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_zone_hostname_requests_cache_status_total",
        "Requests to the host (HOST_METRICS_ALLOWLIST) by cache status (hit, miss, dynamic, …)",
        ["host", "cache_status"],
      ),
      (r) => r.count,
      (r) => ({ ...host(r), cache_status: r.dimensions.cacheStatus }),
      { skipZero: true },
    ),
  ],
});
