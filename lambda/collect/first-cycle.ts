import { slotMs } from "../store/budget-window.ts";
import type { BudgetReading, PhaseResult } from "./run-types.ts";
import { zoneShare } from "./widening.ts";

/**
 * A large estate's first cycle. A chunk's first collection counts from its start (the
 * initial lookback, an hour by default), so it costs several steady collections; begun
 * all at once, a thousand zones' first collections spend the whole 5-minute GraphQL budget
 * in the first minute and no chunk is collected again for five minutes. So chunks that have
 * not begun come after the chunks in rotation, and one begins only while the budget keeps
 * room, minute by minute for the next five, for the rotation's collections as they come
 * due besides it. One that must wait counts from where it would have begun (the minute it
 * was first seen, kept in its item's schedule), so waiting costs no minute.
 */

const windowMs = 300_000;

/**
 * Whether a first collection of `estimate` requests fits now: now, and at the start of
 * each of the next five minutes (`minute` is this run's, epoch minutes), the room left by
 * the calls still held then and the rotation's requests of every minute begun by then
 * (`rotationAhead[0]` the next minute's), less a minute of the share kept for discovery,
 * probes and refusals, holds it. Every call of the rotation then finds room, whatever the
 * first collections before it spent. The reading is taken inside the conditional write
 * that pays the estimate up front (UpfrontBudget), so items deciding at the same moment
 * cannot both count on the same room. (A slot counts while any part of it is in the
 * window, as the shared budget counts it; a minute's calls are taken to come at its start,
 * when the fewest slots have left.)
 */
export function roomToBegin(
  reading: BudgetReading,
  estimate: number,
  rotationAhead: readonly number[],
  minute: number,
): boolean {
  const margin = (reading.limit / 5) * (1 - zoneShare);
  const moments = [reading.nowMs, ...rotationAhead.map((_, j) => (minute + j + 1) * 60_000)];
  return moments.every((at, j) => {
    const oldestKept = (Math.floor(at / slotMs) - windowMs / slotMs) * slotMs;
    let held = 0;
    for (const [slot, calls] of reading.slots) if (slot >= oldestKept) held += calls;
    const rotation = rotationAhead.slice(0, j).reduce((sum, n) => sum + n, 0);
    return estimate <= reading.limit - margin - held - rotation;
  });
}

/**
 * How many collections of the rotation's chunks come in each of the next five minutes
 * (index 0: the next): each chunk every `everyMinutes` from the minute it was last
 * collected; one already overdue (its run stopped early) comes the next minute.
 */
export function dueAhead(lastCollected: readonly number[], minute: number, everyMinutes: number): number[] {
  const ahead = [0, 0, 0, 0, 0];
  const k = Math.max(1, everyMinutes);
  for (const last of lastCollected) {
    for (let due = Math.max(last + k, minute + 1); due <= minute + ahead.length; due += k) {
      ahead[due - minute - 1] = (ahead[due - minute - 1] ?? 0) + 1;
    }
  }
  return ahead;
}

/** What draws from a budget: zone chunks, and accounts' own requests (one a minute each). */
export interface BudgetSharers {
  chunks: number;
  accounts: number;
  /** Of the other items' chunks, those that wait to begin (known to discovery from their schedules). */
  othersWaiting?: number;
}

/**
 * The requests of each of the next five minutes of every rotation on the budget: this
 * item's as its chunks come due (`due`, `chunkCost` requests each), the other items'
 * begun chunks spread evenly (when discovery did not say how many wait, taken to be as far
 * along as this item: `inRotation` of `itemChunks`), and the accounts' own.
 */
export function rotationRequests(
  sharers: BudgetSharers,
  item: {
    due: readonly number[];
    inRotation: number;
    itemChunks: number;
    chunkCost: number;
    everyMinutes: number;
  },
): number[] {
  const otherChunks = Math.max(0, sharers.chunks - item.itemChunks);
  const along = item.itemChunks === 0 ? 1 : Math.min(1, item.inRotation / item.itemChunks);
  const others =
    sharers.othersWaiting === undefined
      ? otherChunks * along
      : Math.max(0, otherChunks - sharers.othersWaiting);
  const othersPerMinute = (others * item.chunkCost) / Math.max(1, item.everyMinutes);
  return item.due.map((chunks) => sharers.accounts + chunks * item.chunkCost + othersPerMinute);
}

/**
 * How a chunk none of whose shards is stored yet (one that has not begun: a first cycle)
 * begins. Its first collection counts from its start, an hour back or more, so it costs more
 * than a steady one; it begins only when `mayBegin` says the budget has room for it.
 */
export interface ChunkEntry {
  /** Unix seconds: when the chunk first waited to begin (its zones start counting from there). */
  since?: number;
  /** Whether its first collection, `planned` GraphQL requests as packed now, may begin. */
  mayBegin(planned: number): Promise<boolean>;
  /** Its first collection is over (whatever it fetched): what it paid up front and did not spend goes back. */
  began(): Promise<void>;
}

/** A chunk's result; `waits`: it has not begun and did not begin now (nothing fetched or written). */
export interface ChunkResult extends PhaseResult {
  waits?: boolean;
}
