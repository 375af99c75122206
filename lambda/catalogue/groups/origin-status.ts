import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, minuteRowSchema } from "../query-group.ts";

/**
 * Requests from `httpRequestsAdaptiveGroups` by origin response status, client country and
 * host. Status 0 means the request never reached the origin (served from cache, blocked,
 * or the connection failed); CF_HTTP_STATUS_GROUP puts it in `1xx`, as statusClass does.
 * All plans (Free included) have the dataset.
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
    },
    {
      originResponseStatus: z.number().check(z.int(), z.nonnegative()),
      clientCountryName: z.string(),
      clientRequestHTTPHost: z.string(),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

export const originStatus = adaptiveGroup<Row>({
  name: "origin-status",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  shards: 2,
  rowSchema,
  series: [
    each(
      counter(
        "cloudflare_zone_requests_origin_status_country_host_total",
        "Requests by origin response status (0: no origin response), client country and host",
        ["origin_status", "country", "host"],
      ),
      (r) => r.count,
      (r, context) => ({
        origin_status: context.status(r.dimensions.originResponseStatus),
        country: r.dimensions.clientCountryName,
        host: r.dimensions.clientRequestHTTPHost,
      }),
      { skipZero: true },
    ),
  ],
});
