import * as z from "../../lib/zod.ts";
import { adaptiveGroup, countSchema, each, gauge, minuteRowSchema } from "../query-group.ts";

/**
 * Origin response time of cache misses, from `httpRequestsAdaptiveGroups`, by client country
 * and host. All plans (Free included) have the dataset.
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
      avg: z.object({ originResponseDurationMs: z.number().check(z.nonnegative()) }),
    },
    {
      clientCountryName: z.string(),
      clientRequestHTTPHost: z.string(),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

export const cacheMissOriginDuration = adaptiveGroup<Row>({
  name: "cache-miss-origin-duration",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  shards: 1,
  rowSchema,
  filter: 'cacheStatus: "miss"',
  series: [
    each(
      gauge(
        "cloudflare_zone_cache_miss_origin_duration_seconds",
        "Mean origin response time of requests with cache status miss, by client country and host, in the last counted minute that had such requests",
        ["country", "host"],
        "seconds",
      ),
      (r) => (r.count > 0 ? r.avg.originResponseDurationMs / 1000 : undefined),
      (r) => ({ country: r.dimensions.clientCountryName, host: r.dimensions.clientRequestHTTPHost }),
      { merge: "mean", weight: (r) => r.count },
    ),
  ],
});
