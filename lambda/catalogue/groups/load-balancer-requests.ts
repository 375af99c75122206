import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, minuteRowSchema } from "../query-group.ts";

/**
 * Load-balanced requests from `loadBalancingRequestsAdaptiveGroups`, by load balancer and
 * the pool and origin it selected.
 *
 * The reference also grouped by region, proxied, pool RTT, pool health, steering policy
 * and origins selected without labelling them (C1); selecting only the labelled dimensions
 * gives one row per series and minute.
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
    },
    {
      lbName: z.string(),
      selectedPoolName: z.string(),
      selectedOriginName: z.string(),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

export const loadBalancerRequests = adaptiveGroup<Row>({
  name: "load-balancer-requests",
  scope: "zone",
  dataset: "loadBalancingRequestsAdaptiveGroups",
  shards: 1,
  rowSchema,
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
