import * as z from "zod";
import { counter, countSchema, defineQueryGroup, each, timeSchema } from "../query-group.ts";

/** Requests from `httpRequestsAdaptiveGroups` by HTTP method. All plans (Free included) have the dataset. */
const rowSchema = z.object({
  count: countSchema,
  dimensions: z.object({ datetimeMinute: timeSchema, clientRequestHTTPMethodName: z.string() }),
});
type Row = z.output<typeof rowSchema>;

export const requestMethods = defineQueryGroup<Row>({
  name: "request-methods",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  shards: 1,
  rowSchema,
  minuteOf: (row) => row.dimensions.datetimeMinute,
  sampled: true,
  timeDimension: "datetimeMinute",
  selection: /* GraphQL */ `
    dimensions { datetimeMinute clientRequestHTTPMethodName }
    count`,
  series: [
    each(
      counter("cloudflare_zone_requests_by_method_total", "Requests by HTTP method", ["method"]),
      (r) => r.count,
      (r) => ({ method: r.dimensions.clientRequestHTTPMethodName }),
      { skipZero: true },
    ),
  ],
});
