import * as z from "../../lib/zod.ts";
import {
  adaptiveGroup,
  counter,
  countSchema,
  each,
  gauge,
  type MappingContext,
  minuteRowSchema,
} from "../query-group.ts";

/**
 * Origin errors from `httpRequestsAdaptiveGroups`: requests not served from cache whose origin
 * answered one of a fixed list of error codes, by origin status, client country and host, with
 * their mean origin response time. All plans (Free included) have the dataset.
 */
const originErrorCodes = [400, 404, 500, 502, 503, 504, 522, 523, 524];
/** `400, 404` → "400 or 404", for the HELP texts. */
const listed = (codes: readonly number[]) =>
  codes.length < 2 ? codes.join("") : `${codes.slice(0, -1).join(", ")} or ${codes.at(-1)}`;

const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
      avg: z.object({ originResponseDurationMs: z.number().check(z.nonnegative()) }),
    },
    {
      originResponseStatus: z.number().check(z.int(), z.nonnegative()),
      clientCountryName: z.string(),
      clientRequestHTTPHost: z.string(),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

const labels = ["status", "country", "host"] as const;
const labelled = (r: Row, context: MappingContext) => ({
  status: context.status(r.dimensions.originResponseStatus),
  country: r.dimensions.clientCountryName,
  host: r.dimensions.clientRequestHTTPHost,
});
const is5xx = (r: Row) => r.dimensions.originResponseStatus >= 500;
const is4xx = (r: Row) => r.dimensions.originResponseStatus >= 400 && r.dimensions.originResponseStatus < 500;

export const adaptiveOriginErrors = adaptiveGroup<Row>({
  name: "adaptive-origin-errors",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  shards: 2,
  rowSchema,
  filter: `cacheStatus_notin: ["hit"], originResponseStatus_in: [${originErrorCodes.join(", ")}]`,
  series: [
    // Split by the raw code, so the families keep their meaning when the label is a class.
    each(
      counter(
        "cloudflare_zone_customer_error_4xx_total",
        `Requests not served from cache whose origin answered ${listed(originErrorCodes.filter((c) => c < 500))}, by origin status, client country and host`,
        labels,
      ),
      (r) => (is4xx(r) ? r.count : undefined),
      labelled,
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_zone_customer_error_5xx_total",
        `Requests not served from cache whose origin answered ${listed(originErrorCodes.filter((c) => c >= 500))}, by origin status, client country and host`,
        labels,
      ),
      (r) => (is5xx(r) ? r.count : undefined),
      labelled,
      { skipZero: true },
    ),
    each(
      gauge(
        "cloudflare_zone_origin_response_duration_seconds",
        "Mean origin response time of the requests counted by cloudflare_zone_customer_error_4xx_total and cloudflare_zone_customer_error_5xx_total, by origin status, client country and host, in the last counted minute that had such requests",
        labels,
        "seconds",
      ),
      (r) => (r.count > 0 ? r.avg.originResponseDurationMs / 1000 : undefined),
      labelled,
      { merge: "mean", weight: (r) => r.count },
    ),
    each(
      gauge(
        "cloudflare_zone_origin_error_rate",
        "Share of the origin errors counted by cloudflare_zone_customer_error_4xx_total and cloudflare_zone_customer_error_5xx_total that are 5xx, 5xx / (4xx + 5xx), in the last counted minute that had such errors",
      ),
      // Each row is all-5xx or all-4xx; the count-weighted mean over the zone's rows is the share.
      (r) => (r.count > 0 ? (is5xx(r) ? 1 : 0) : undefined),
      () => ({}),
      { merge: "mean", weight: (r) => r.count },
    ),
  ],
});
