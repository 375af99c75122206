import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, minuteRowSchema } from "../query-group.ts";

/** Requests from `httpRequestsAdaptiveGroups` by HTTP method. All plans (Free included) have the dataset. */
const rowSchema = () =>
  minuteRowSchema({ count: countSchema() }, { clientRequestHTTPMethodName: z.string() });
type Row = z.output<ReturnType<typeof rowSchema>>;

export const requestMethods = adaptiveGroup<Row>({
  name: "request-methods",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      counter("cloudflare_zone_requests_by_method_total", "Requests by HTTP method", ["method"]),
      (r) => r.count,
      (r) => ({ method: r.dimensions.clientRequestHTTPMethodName }),
      { skipZero: true },
    ),
  ],
});
