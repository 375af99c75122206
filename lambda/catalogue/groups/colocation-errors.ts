import * as z from "../../lib/zod.ts";
import {
  adaptiveGroup,
  counter,
  countSchema,
  each,
  type MappingContext,
  minuteRowSchema,
} from "../query-group.ts";

/**
 * Requests answered with an edge status of 400 or above, from `httpRequestsAdaptiveGroups`,
 * by Cloudflare data center (colo), host and status. All plans (Free included) have the dataset.
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
      sum: z.object({ edgeResponseBytes: countSchema(), visits: countSchema() }),
    },
    {
      coloCode: z.string(),
      clientRequestHTTPHost: z.string(),
      edgeResponseStatus: z.number().check(z.int(), z.nonnegative()),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

const labels = ["colo", "host", "status"] as const;
const labelled = (r: Row, context: MappingContext) => ({
  colo: r.dimensions.coloCode,
  host: r.dimensions.clientRequestHTTPHost,
  status: context.status(r.dimensions.edgeResponseStatus),
});

export const colocationErrors = adaptiveGroup<Row>({
  name: "colocation-errors",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  shards: 2,
  rowSchema,
  filter: "edgeResponseStatus_geq: 400",
  series: [
    each(
      counter(
        "cloudflare_zone_colocation_error_visits_total",
        "Visits (requests that start a visit to the site) answered with an edge status of 400 or above, by Cloudflare data center, host and status",
        labels,
        "visits",
      ),
      (r) => r.sum.visits,
      labelled,
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_zone_colocation_error_edge_response_bytes_total",
        "Bytes sent to clients in responses with an edge status of 400 or above, by Cloudflare data center, host and status",
        labels,
        "bytes",
      ),
      (r) => r.sum.edgeResponseBytes,
      labelled,
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_zone_colocation_error_requests_total",
        "Requests answered with an edge status of 400 or above, by Cloudflare data center, host and status",
        labels,
      ),
      (r) => r.count,
      labelled,
      { skipZero: true },
    ),
  ],
});
