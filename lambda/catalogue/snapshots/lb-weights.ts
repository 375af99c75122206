import { once } from "../../lib/once.ts";
import * as z from "../../lib/zod.ts";
import { gauge } from "../query-group.ts";
import { defineSnapshotGroup, type SnapshotSample } from "../snapshot-group.ts";
import { mergeSamples } from "./samples.ts";

/**
 * Origin weights of the pools each load balancer of the zone can send traffic to: every
 * pool list (default, fallback, region, country, PoP), where the reference reads only the
 * default pools and fetches each pool once per load balancer. Here the account's pools are
 * read with one list call, and only when the zone has a load balancer.
 */
const originWeight = gauge(
  "cloudflare_zone_lb_origin_weight",
  "Configured weight (0-1) of each enabled origin in the pools a load balancer can steer to",
  ["lb_name", "pool_name", "origin_name"],
);

// Built at first use: snapshots are taken every SSL_CERTS_CACHE_TTL_SECONDS, not at every run.
const poolMap = once(() => z.nullish(z.record(z.string(), z.array(z.string()))));

const loadBalancerSchema = once(() =>
  z.looseObject({
    name: z.string(),
    default_pools: z.nullish(z.array(z.string())),
    fallback_pool: z.nullish(z.string()),
    region_pools: poolMap(),
    country_pools: poolMap(),
    pop_pools: poolMap(),
  }),
);
type LoadBalancer = z.output<ReturnType<typeof loadBalancerSchema>>;

const poolSchema = once(() =>
  z.looseObject({
    id: z.string(),
    name: z.string(),
    origins: z.nullish(
      z.array(
        z.looseObject({
          name: z.string(),
          // The API's documented defaults, for an origin that leaves them out.
          enabled: z._default(z.boolean(), true),
          weight: z._default(z.number(), 1),
        }),
      ),
    ),
  }),
);
type Pool = z.output<ReturnType<typeof poolSchema>>;

export const lbWeights = defineSnapshotGroup({
  name: "lb-weights",
  scope: "zone",
  families: [originWeight],
  source: "GET /zones/{zone_id}/load_balancers, GET /accounts/{account_id}/load_balancers/pools",
  async fetch({ rest, accountId, zone }) {
    const loadBalancers = await rest.list(`/zones/${zone.id}/load_balancers`, loadBalancerSchema());
    if (loadBalancers.length === 0) return [];
    const pools = await rest.list(`/accounts/${accountId}/load_balancers/pools`, poolSchema());
    return weightSamples(loadBalancers, new Map(pools.map((pool) => [pool.id, pool])));
  },
});

/** Every pool a load balancer names, once each, in the order it names them. */
function referencedPoolIds(lb: LoadBalancer): string[] {
  const steering = [lb.region_pools, lb.country_pools, lb.pop_pools].flatMap((map) =>
    Object.values(map ?? {}).flat(),
  );
  return [
    ...new Set([...(lb.default_pools ?? []), ...(lb.fallback_pool ? [lb.fallback_pool] : []), ...steering]),
  ];
}

function weightSamples(
  loadBalancers: readonly LoadBalancer[],
  pools: ReadonlyMap<string, Pool>,
): SnapshotSample[] {
  const samples: SnapshotSample[] = [];
  for (const lb of loadBalancers) {
    for (const poolId of referencedPoolIds(lb)) {
      const pool = pools.get(poolId);
      // A pool deleted between the two calls has nothing left to report.
      if (!pool) continue;
      for (const origin of pool.origins ?? []) {
        if (!origin.enabled) continue;
        samples.push({
          family: originWeight.name,
          labels: { lb_name: lb.name, pool_name: pool.name, origin_name: origin.name },
          value: origin.weight,
        });
      }
    }
  }
  // Names are unique per zone, account and pool, so nothing should merge; if it does, the first stays.
  return mergeSamples(samples, (kept) => kept);
}
