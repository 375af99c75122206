import { Random } from "../random.ts";
import type { Account } from "../world.ts";
import { type Cell, diurnalFactor, splitCount } from "./cell.ts";

const statuses = [
  ["success", 95],
  ["clientDisconnected", 2],
  ["scriptThrewException", 2],
  ["exceededResources", 1],
] as const;
const colos = ["IAD", "SJC", "FRA", "LHR", "NRT", "SIN"] as const;
/** Memory Workers bill for: duration in GB-seconds is wall time times 128 MB. */
const gigabytesPerInvocation = 128 / 1024;

export function workerCells(seed: string, account: Account, minuteStart: number): Cell[] {
  const cells: Cell[] = [];
  for (const scriptName of account.workerScripts) {
    const random = new Random(seed, "workers", account.id, scriptName, minuteStart);
    const total = Math.round(600 * diurnalFactor(minuteStart) * (0.8 + 0.4 * random.next()));
    for (const count of splitCount(total, 10, () => random.next())) {
      const status = random.weighted(statuses);
      const cpuUs = random.int(300, 9_000);
      const wallUs = cpuUs + random.int(1_000, 150_000);
      cells.push({
        time: minuteStart + random.int(0, 59),
        minute: minuteStart,
        attrs: {
          scriptName,
          status,
          coloCode: random.pick(colos),
          usageModel: "standard",
          environmentName: "production",
          isDispatcher: 0,
        },
        metrics: {
          count,
          requests: count,
          errors: status === "success" || status === "clientDisconnected" ? 0 : count,
          clientDisconnects: status === "clientDisconnected" ? count : 0,
          subrequests: count * random.int(0, 3),
          cpuTimeUs: count * cpuUs,
          wallTime: count * wallUs,
          duration: (count * wallUs * gigabytesPerInvocation) / 1e6,
          requestDuration: count * (wallUs + random.int(100, 2_000)),
          responseBodySize: count * random.int(200, 20_000),
        },
      });
    }
  }
  return cells;
}
