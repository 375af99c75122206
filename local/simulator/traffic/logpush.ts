import { Random } from "../random.ts";
import type { LogpushJob } from "../world.ts";
import type { Cell } from "./cell.ts";

/**
 * One push per job per minute. About one minute in twenty fails (DNS failure 1105 or a
 * 5xx from the destination); a failed push is retried once, and the retry is `final`.
 */
export function logpushCells(
  seed: string,
  scopeId: string,
  jobs: readonly LogpushJob[],
  minuteStart: number,
): Cell[] {
  const cells: Cell[] = [];
  for (const job of jobs) {
    const random = new Random(seed, "logpush", scopeId, job.id, minuteStart);
    const records = random.int(1_000, 20_000);
    const bytes = records * random.int(300, 700);
    const failing = random.next() < 0.05;
    const errorStatus = random.pick([1105, 500, 503] as const);
    const attempt = (second: number, status: number, final: 0 | 1): Cell => ({
      time: minuteStart + second,
      minute: minuteStart,
      attrs: {
        jobId: job.id,
        destinationType: job.destinationType,
        status,
        success: status === 200 ? 1 : 0,
        final,
        error: status === 1105 ? "dns lookup failed" : status === 200 ? "" : `destination returned ${status}`,
      },
      metrics: {
        count: 1,
        uploads: 1,
        records: status === 200 ? records : 0,
        bytes: status === 200 ? bytes : 0,
        bytesCompressed: status === 200 ? Math.round(bytes / 8) : 0,
        uploadDuration: random.int(200, 3_000),
      },
    });
    if (!failing) cells.push(attempt(5, 200, 1));
    else cells.push(attempt(5, errorStatus, 0), attempt(35, random.next() < 0.5 ? 200 : errorStatus, 1));
  }
  return cells;
}
