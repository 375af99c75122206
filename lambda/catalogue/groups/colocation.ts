import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, minuteRowSchema } from "../query-group.ts";

/**
 * Traffic from `httpRequestsAdaptiveGroups` by Cloudflare data center (colo) and host. Only
 * the labelled dimensions are selected, so each row is one colo, host and minute. All plans
 * (Free included) have the dataset.
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
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

const labels = ["colo", "host"] as const;
const labelled = (r: Row) => ({ colo: r.dimensions.coloCode, host: r.dimensions.clientRequestHTTPHost });

export const colocation = adaptiveGroup<Row>({
  name: "colocation",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  shards: 2,
  rowSchema,
  series: [
    each(
      counter(
        "cloudflare_zone_colocation_visits_total",
        "Visits (requests that start a visit to the site) by Cloudflare data center and host",
        labels,
        "visits",
      ),
      (r) => r.sum.visits,
      labelled,
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_zone_colocation_edge_response_bytes_total",
        "Bytes sent to clients by Cloudflare data center and host",
        labels,
        "bytes",
      ),
      (r) => r.sum.edgeResponseBytes,
      labelled,
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_zone_colocation_requests_total",
        "Requests by Cloudflare data center and host",
        labels,
      ),
      (r) => r.count,
      labelled,
      { skipZero: true },
    ),
  ],
});
