import { ceilMinute, floorMinute } from "../lib/time.ts";

/**
 * Time arithmetic of collection, in Unix seconds. Buckets are whole minutes; a cursor is
 * the first minute not yet counted, so [start, cursor) is what a counter contains.
 */

/**
 * The end (exclusive) of what may be counted now: minutes older than the settling delay,
 * cut back to a whole step of `stepSeconds` (aligned to the epoch), so a cursor only ever
 * moves by whole steps.
 */
export function countableEnd(now: number, delaySeconds: number, stepSeconds = 60): number {
  const step = Math.max(60, floorMinute(stepSeconds));
  return Math.floor((now - delaySeconds) / step) * step;
}

/** Whether a run at `now` is one of those that collect, when collection runs every `intervalSeconds`. */
export function isRefreshDue(now: number, intervalSeconds: number): boolean {
  const interval = Math.max(60, floorMinute(intervalSeconds));
  return Math.floor(now / 60) % (interval / 60) === 0;
}

/** Where counting starts for a zone seen for the first time. */
export function initialStart(now: number, delaySeconds: number, lookbackSeconds: number): number {
  return countableEnd(now, delaySeconds) - floorMinute(lookbackSeconds);
}

/**
 * The oldest minute Cloudflare will still answer for, with a minute of margin so a query
 * built now is not refused for having become too old by the time it arrives.
 */
export function oldestQueryable(now: number, notOlderThanSeconds: number): number {
  return ceilMinute(now - notOlderThanSeconds + 60);
}

/** [from, to) cut into consecutive ranges no wider than `maxSeconds` (at least a minute). */
export function splitRange(from: number, to: number, maxSeconds: number): [number, number][] {
  const step = Math.max(60, floorMinute(maxSeconds));
  const pieces: [number, number][] = [];
  for (let start = from; start < to; start += step) pieces.push([start, Math.min(to, start + step)]);
  return pieces;
}

/** Halves of [from, to) on a minute boundary, for re-querying a result that hit `limit`. */
export function halve(from: number, to: number): [[number, number], [number, number]] {
  const middle = floorMinute(from + (to - from) / 2);
  const cut = middle <= from ? from + 60 : middle;
  return [
    [from, cut],
    [cut, to],
  ];
}
