import * as z from "../../lib/zod.ts";
import { adaptiveGroup, countSchema, each, gauge, minuteRowSchema } from "../query-group.ts";

/**
 * Pool state per load balancer from `loadBalancingRequestsAdaptiveGroups`, as seen by the
 * requests that selected the pool in the last counted minute: health, RTT, origins
 * selected, and the steering policy. The dimensions below are values of each request, so
 * one pool has several rows per minute; the gauges merge them (health: the minimum,
 * averages: weighted by the rows' request counts).
 *
 * The reference read pool health from the raw `loadBalancingRequestsAdaptive` node (every
 * pool listed in each request, "healthy in at least one request"); that node is capped at
 * `limit` rows per minute, so health here is that of the selected pool, over every
 * request that selected it.
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
    },
    {
      lbName: z.string(),
      selectedPoolName: z.string(),
      selectedPoolHealthy: z.number().check(z.int(), z.gte(0), z.lte(1)),
      selectedPoolAvgRttMs: z.number().check(z.nonnegative()),
      numberOriginsSelected: z.number().check(z.int(), z.nonnegative()),
      steeringPolicy: z.string(),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

const pool = (r: Row) => ({ lb_name: r.dimensions.lbName, pool_name: r.dimensions.selectedPoolName });
const byRequests = (r: Row) => r.count;

export const loadBalancerPools = adaptiveGroup<Row>({
  name: "load-balancer-pools",
  scope: "zone",
  dataset: "loadBalancingRequestsAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      gauge(
        "cloudflare_zone_pool_health_status",
        "1 if the pool was healthy in every sampled request that selected it in the last counted minute, else 0",
        ["lb_name", "pool_name"],
      ),
      (r) => (r.count > 0 ? r.dimensions.selectedPoolHealthy : undefined),
      pool,
      { merge: "min" },
    ),
    each(
      gauge(
        "cloudflare_zone_lb_pool_rtt_seconds",
        "Mean pool RTT seen by the requests that selected the pool in the last counted minute (requests without an RTT left out)",
        ["lb_name", "pool_name"],
        "seconds",
      ),
      (r) =>
        r.count > 0 && r.dimensions.selectedPoolAvgRttMs > 0
          ? r.dimensions.selectedPoolAvgRttMs / 1000
          : undefined,
      pool,
      { merge: "mean", weight: byRequests },
    ),
    each(
      gauge(
        "cloudflare_zone_lb_origins_selected",
        "Mean number of origins selected per request that selected the pool in the last counted minute",
        ["lb_name", "pool_name"],
        "origins",
      ),
      (r) => (r.count > 0 ? r.dimensions.numberOriginsSelected : undefined),
      pool,
      { merge: "mean", weight: byRequests },
    ),
    each(
      gauge(
        "cloudflare_zone_lb_steering_policy_info",
        "1 for the steering policy of a load balancer, as seen in its requests of the last counted minute",
        ["lb_name", "policy"],
      ),
      (r) => (r.count > 0 && r.dimensions.steeringPolicy !== "" ? 1 : undefined),
      (r) => ({ lb_name: r.dimensions.lbName, policy: r.dimensions.steeringPolicy }),
      { merge: "max" },
    ),
  ],
});
