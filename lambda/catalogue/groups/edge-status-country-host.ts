import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, gauge, minuteRowSchema } from "../query-group.ts";

/**
 * Requests from `httpRequestsAdaptiveGroups` by edge response status, client country and
 * host, and the zone's share of edge errors. All plans (Free included) have the dataset.
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
    },
    {
      edgeResponseStatus: z.number().check(z.int(), z.nonnegative()),
      clientCountryName: z.string(),
      clientRequestHTTPHost: z.string(),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

export const edgeStatusCountryHost = adaptiveGroup<Row>({
  name: "edge-status-country-host",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  shards: 2,
  rowSchema,
  series: [
    each(
      counter(
        "cloudflare_zone_requests_status_country_host_total",
        "Requests by edge response status, client country and host",
        ["edge_status", "country", "host"],
      ),
      (r) => r.count,
      (r, context) => ({
        edge_status: context.status(r.dimensions.edgeResponseStatus),
        country: r.dimensions.clientCountryName,
        host: r.dimensions.clientRequestHTTPHost,
      }),
      { skipZero: true },
    ),
    each(
      gauge(
        "cloudflare_zone_edge_error_rate",
        "Share of requests answered with an edge status of 400 or above, (4xx + 5xx) / all requests, in the last counted minute that had requests",
      ),
      // The count-weighted mean of 1 (error) and 0 over all of the zone's rows is the share.
      (r) => (r.count > 0 ? (r.dimensions.edgeResponseStatus >= 400 ? 1 : 0) : undefined),
      () => ({}),
      { merge: "mean", weight: (r) => r.count },
    ),
  ],
});
