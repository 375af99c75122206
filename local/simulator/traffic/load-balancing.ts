import { Random } from "../random.ts";
import type { Pool, Zone } from "../world.ts";
import { type Cell, diurnalFactor, splitCount } from "./cell.ts";
import { originDown } from "./health-checks.ts";

const regions = ["WNAM", "ENAM", "WEU", "EEU", "SEAS", "NEAS"] as const;
const colos = ["IAD", "SJC", "FRA", "LHR", "SIN", "NRT"] as const;

/** Load-balanced requests of one zone in one minute: a tenth of the zone's traffic per LB. */
export function loadBalancingCells(
  seed: string,
  zone: Zone,
  pools: readonly Pool[],
  minuteStart: number,
): Cell[] {
  const random = new Random(seed, "lb", zone.id, minuteStart);
  const cells: Cell[] = [];
  for (const lb of zone.loadBalancers) {
    const total = Math.round(
      (zone.requestsPerMinute / 10) * diurnalFactor(minuteStart) * (0.9 + 0.2 * random.next()),
    );
    for (const count of splitCount(total, 12, () => random.next())) {
      const pool = pools.find((p) => p.id === random.pick(lb.defaultPoolIds));
      if (!pool) continue;
      const healthyOrigins = pool.origins.filter((o) => !originDown(seed, o.name, minuteStart));
      const origin = random.pick(healthyOrigins.length > 0 ? healthyOrigins : pool.origins);
      const poolIndex = lb.defaultPoolIds.indexOf(pool.id);
      cells.push({
        time: minuteStart + random.int(0, 59),
        minute: minuteStart,
        attrs: {
          lbName: lb.name,
          selectedPoolId: pool.id,
          selectedPoolName: pool.name,
          selectedPoolIndex: poolIndex,
          selectedPoolHealthy: healthyOrigins.length > 0 ? 1 : 0,
          selectedPoolHealthChecksEnabled: 1,
          selectedPoolAvgRttMs: random.int(10, 90),
          selectedOriginName: origin.name,
          selectedOriginIndex: pool.origins.indexOf(origin),
          numberOriginsSelected: 1,
          steeringPolicy: lb.steeringPolicy,
          region: random.pick(regions),
          coloCode: random.pick(colos),
          proxied: 1,
          errorType: "",
          sessionAffinityStatus: "none",
          pools: JSON.stringify(
            lb.defaultPoolIds.map((id) => {
              const p = pools.find((candidate) => candidate.id === id);
              const up = p ? p.origins.some((o) => !originDown(seed, o.name, minuteStart)) : false;
              return {
                id,
                poolName: p?.name ?? id,
                healthy: up ? 1 : 0,
                healthCheckEnabled: 1,
                avgRttMs: random.int(10, 90),
              };
            }),
          ),
        },
        metrics: { count },
      });
    }
  }
  return cells;
}
