import * as z from "../../lib/zod.ts";
import {
  adaptiveGroup,
  countSchema,
  each,
  gauge,
  type MetricFamily,
  minuteRowSchema,
} from "../query-group.ts";
import { allowlistFilter } from "./hostname-requests.ts";

/**
 * Latency of each host on HOST_METRICS_ALLOWLIST in the last counted minute, from
 * `httpRequestsAdaptiveGroups`: the mean and the 50th and 95th percentiles of the time to
 * first byte at the edge and of the origin's response time, under the reference's names.
 * Grouped by host alone, so each row is one host and minute and its figures are
 * Cloudflare's own over all of the host's requests (requests served without the origin
 * count 0 ms of origin time, as in Cloudflare's dashboard). Rows of one host and minute
 * that still meet (a duplicate) keep the count-weighted mean and the highest percentile.
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
      avg: z.object({ edgeTimeToFirstByteMs: countSchema(), originResponseDurationMs: countSchema() }),
      quantiles: z.object({
        edgeTimeToFirstByteMsP50: countSchema(),
        edgeTimeToFirstByteMsP95: countSchema(),
        originResponseDurationMsP50: countSchema(),
        originResponseDurationMsP95: countSchema(),
      }),
    },
    { clientRequestHTTPHost: z.string() },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

const host = (r: Row) => ({ host: r.dimensions.clientRequestHTTPHost });
const measures = {
  edge_ttfb: "time to first byte at the edge",
  origin_response_duration: "origin response time",
} as const;

function family(measure: keyof typeof measures, statistic: "mean" | "p50" | "p95"): MetricFamily {
  const suffix = statistic === "mean" ? "" : `_${statistic}`;
  const what = statistic === "mean" ? "Mean" : `${statistic.slice(1)}th percentile of the`;
  return gauge(
    `cloudflare_zone_hostname_${measure}${suffix}_seconds`,
    `${what} ${measures[measure]} of the host's requests (HOST_METRICS_ALLOWLIST) in the last counted minute`,
    ["host"],
    "seconds",
  );
}

const seconds = (ms: number) => ms / 1000;
const weighted = { merge: "mean", weight: (r: Row) => r.count } as const;

export const hostnameLatency = adaptiveGroup<Row>({
  name: "hostname-latency",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  shards: 1,
  rowSchema,
  filterFromSettings: allowlistFilter,
  series: [
    each(family("edge_ttfb", "mean"), (r) => seconds(r.avg.edgeTimeToFirstByteMs), host, weighted),
    each(family("edge_ttfb", "p50"), (r) => seconds(r.quantiles.edgeTimeToFirstByteMsP50), host, {
      merge: "max",
    }),
    each(family("edge_ttfb", "p95"), (r) => seconds(r.quantiles.edgeTimeToFirstByteMsP95), host, {
      merge: "max",
    }),
    each(
      family("origin_response_duration", "mean"),
      (r) => seconds(r.avg.originResponseDurationMs),
      host,
      weighted,
    ),
    each(
      family("origin_response_duration", "p50"),
      (r) => seconds(r.quantiles.originResponseDurationMsP50),
      host,
      { merge: "max" },
    ),
    each(
      family("origin_response_duration", "p95"),
      (r) => seconds(r.quantiles.originResponseDurationMsP95),
      host,
      { merge: "max" },
    ),
  ],
});
