import { Random } from "../random.ts";
import type { Pool, Zone } from "../world.ts";
import type { Cell } from "./cell.ts";

const regions = ["WNAM", "ENAM", "WEU"] as const;
/** Health checks run every 20 s from each region: three events per origin, region and minute. */
const checksPerMinute = 3;

/**
 * Whether an origin fails its checks in a minute: the second origin of every pool has a
 * 15-minute outage at a seeded time each six hours, so health flips are visible in any day.
 */
export function originDown(seed: string, originName: string, minuteStart: number): boolean {
  const block = Math.floor(minuteStart / 21_600);
  const outageStart = block * 21_600 + new Random(seed, "outage", originName, block).int(0, 20) * 900;
  return originName.endsWith("-2") && minuteStart >= outageStart && minuteStart < outageStart + 900;
}

export function healthCheckCells(
  seed: string,
  zone: Zone,
  pools: readonly Pool[],
  minuteStart: number,
): Cell[] {
  const random = new Random(seed, "health", zone.id, minuteStart);
  const cells: Cell[] = [];
  const poolIds = new Set(zone.loadBalancers.flatMap((lb) => lb.defaultPoolIds));
  for (const pool of pools.filter((p) => poolIds.has(p.id))) {
    for (const origin of pool.origins) {
      const down = originDown(seed, origin.name, minuteStart);
      for (const region of regions) {
        const rttMs = random.int(8, 120);
        cells.push({
          time: minuteStart + random.int(0, 19),
          minute: minuteStart,
          attrs: {
            healthCheckId: pool.monitorId,
            healthCheckName: `${pool.name}-monitor`,
            healthStatus: down ? "unhealthy" : "healthy",
            healthChanged: 0,
            failureReason: down ? "Response timeout" : "",
            fqdn: origin.address,
            originIP: origin.ip,
            region,
            scope: "pool",
            originResponseStatus: down ? 0 : 200,
          },
          metrics: {
            count: checksPerMinute,
            healthy: down ? 0 : checksPerMinute,
            rttMs: down ? 0 : checksPerMinute * rttMs,
            timeToFirstByteMs: down ? 0 : checksPerMinute * (rttMs + random.int(5, 60)),
            tcpConnMs: down ? 0 : checksPerMinute * Math.round(rttMs / 3),
            tlsHandshakeMs: down ? 0 : checksPerMinute * Math.round(rttMs / 2),
          },
        });
      }
    }
  }
  return cells;
}
