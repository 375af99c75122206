import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, timeSchema } from "../query-group.ts";

/**
 * Authoritative DNS queries of the zone from `dnsAnalyticsAdaptiveGroups` (every plan; the
 * DNS Analytics REST API it replaces reaches end of life on 2026-12-01), by query type and
 * response code, and those answered from cache. The rows of a minute differ also in
 * `responseCached`, so two of them add up on each `query_type`/`response_code` series.
 */
const rowSchema = () =>
  z.object({
    count: countSchema(),
    dimensions: z.object({
      datetimeMinute: timeSchema(),
      queryType: z.string(),
      responseCode: z.string(),
      responseCached: z.number().check(z.int(), z.nonnegative()),
    }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

export const dnsZone = adaptiveGroup<Row>({
  name: "dns-zone",
  scope: "zone",
  dataset: "dnsAnalyticsAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      counter(
        "cloudflare_zone_dns_queries_total",
        "DNS queries Cloudflare answered for the zone, by query type and response code",
        ["query_type", "response_code"],
        "queries",
      ),
      (r) => r.count,
      (r) => ({ query_type: r.dimensions.queryType, response_code: r.dimensions.responseCode }),
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_zone_dns_queries_cached_total",
        "DNS queries of the zone answered from Cloudflare's cache",
        [],
        "queries",
      ),
      (r) => (r.dimensions.responseCached > 0 ? r.count : 0),
    ),
  ],
});
