import * as z from "../../lib/zod.ts";
import { adaptiveGroup, countSchema, quantileSummary, type SeriesSpec, timeSchema } from "../query-group.ts";

/**
 * Origin response time percentiles per Cloudflare data center (colo) from
 * `httpRequestsAdaptiveGroups`, for the requests that went to the origin (cache status miss,
 * expired, bypass or dynamic; a cache hit has no origin time and would pull every percentile
 * to 0). One row per colo and minute, so each quantile is Cloudflare's own: quantiles of
 * different rows could not be combined, and never need to be.
 */
const rowSchema = () =>
  z.object({
    count: countSchema(),
    dimensions: z.object({ datetimeMinute: timeSchema(), coloCode: z.string() }),
    quantiles: z.object({
      originResponseDurationMsP50: countSchema(),
      originResponseDurationMsP95: countSchema(),
      originResponseDurationMsP99: countSchema(),
    }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

const levels = [
  ["0.5", "originResponseDurationMsP50"],
  ["0.95", "originResponseDurationMsP95"],
  ["0.99", "originResponseDurationMsP99"],
] as const;

const originDuration: SeriesSpec<Row> = {
  family: quantileSummary(
    "cloudflare_zone_colocation_origin_response_duration_seconds",
    "Origin response time of requests that went to the origin, at the given quantile, by Cloudflare data center, in the last counted minute",
    ["colo", "quantile"],
    "seconds",
  ),
  merge: "max",
  values: (row) =>
    levels.map(([quantile, field]) => ({
      labels: { colo: row.dimensions.coloCode, quantile },
      value: row.quantiles[field] / 1000,
    })),
};

export const colocationOriginDuration = adaptiveGroup<Row>({
  name: "colocation-origin-duration",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  shards: 1,
  rowSchema,
  filter: `cacheStatus_in: ["miss", "expired", "bypass", "dynamic"]`,
  series: [originDuration],
});
