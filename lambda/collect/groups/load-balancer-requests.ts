import * as z from "zod";
import { counter, countSchema, defineQueryGroup, each, timeSchema } from "../query-group.ts";

/**
 * Load-balanced requests from `loadBalancingRequestsAdaptiveGroups`, by load balancer and
 * the pool and origin it selected.
 *
 * The reference also grouped by region, proxied, pool RTT, pool health, steering policy
 * and origins selected without labelling them (C1); selecting only the labelled dimensions
 * gives one row per series and minute.
 */
const rowSchema = z.object({
  count: countSchema,
  dimensions: z.object({
    datetimeMinute: timeSchema,
    lbName: z.string(),
    selectedPoolName: z.string(),
    selectedOriginName: z.string(),
  }),
});
type Row = z.output<typeof rowSchema>;

export const loadBalancerRequests = defineQueryGroup<Row>({
  name: "load-balancer-requests",
  scope: "zone",
  dataset: "loadBalancingRequestsAdaptiveGroups",
  shards: 1,
  rowSchema,
  minuteOf: (row) => row.dimensions.datetimeMinute,
  sampled: true,
  timeDimension: "datetimeMinute",
  selection: /* GraphQL */ `
    count
    dimensions { datetimeMinute lbName selectedPoolName selectedOriginName }`,
  series: [
    each(
      counter(
        "cloudflare_zone_pool_requests_total",
        "Load-balanced requests by load balancer and the pool and origin it selected",
        ["lb_name", "pool_name", "origin_name"],
      ),
      (r) => r.count,
      (r) => ({
        lb_name: r.dimensions.lbName,
        pool_name: r.dimensions.selectedPoolName,
        origin_name: r.dimensions.selectedOriginName,
      }),
      { skipZero: true },
    ),
  ],
});
