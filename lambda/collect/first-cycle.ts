import { slotMs } from "../store/budget-window.ts";
import { zoneShare } from "./widening.ts";

/**
 * A large estate's first cycle. A chunk's first collection counts from its start (the
 * initial lookback, an hour by default), so it costs several steady collections; begun
 * all at once, a thousand zones' first collections spend the whole 5-minute GraphQL budget
 * in the first minute and no chunk is collected again for five minutes. So chunks that have
 * not begun come after the chunks in rotation, and one begins only while the budget keeps
 * room for five minutes of the rotation's steady requests (it included) besides it. One
 * that must wait counts from where it would have begun, so waiting costs no minute.
 */
export interface BudgetReading {
  /** Calls the 5-minute window holds, by 10-second slot (Unix ms of the slot's start). */
  slots: ReadonlyMap<number, number>;
  limit: number;
  nowMs: number;
}

const windowMs = 300_000;

/**
 * Whether a first collection of `estimate` requests fits now: at every moment of the next
 * five minutes, the calls still held then, it, and the rotation's steady requests of every
 * minute begun by then stay within the budget, less a minute of the share kept for
 * discovery, probes and refusals. Every call of the rotation then finds room, whatever the
 * first collections before it spent. (A slot counts while any part of it is in the window,
 * as the shared budget counts it.)
 */
export function roomToBegin(reading: BudgetReading, estimate: number, steadyPerMinute: number): boolean {
  const margin = (reading.limit / 5) * (1 - zoneShare);
  for (let ahead = 0; ahead <= windowMs; ahead += slotMs) {
    const oldestKept = (Math.floor((reading.nowMs + ahead) / slotMs) - windowMs / slotMs) * slotMs;
    let held = 0;
    for (const [slot, calls] of reading.slots) if (slot >= oldestKept) held += calls;
    const rotation = steadyPerMinute * Math.ceil(ahead / 60_000);
    if (held + estimate + rotation > reading.limit - margin) return false;
  }
  return true;
}

/** What draws from a budget: zone chunks (each `chunkCost` requests every `everyMinutes`) and accounts' own requests (one a minute). */
export interface BudgetSharers {
  chunks: number;
  accounts: number;
}

/**
 * The rotation's steady requests a minute once `inRotation` of the item's `itemChunks`
 * are in it, the other items of the budget taken to be as far along.
 */
export function rotationPerMinute(
  sharers: BudgetSharers,
  rotation: { inRotation: number; itemChunks: number; chunkCost: number; everyMinutes: number },
): number {
  const { inRotation, itemChunks, chunkCost, everyMinutes } = rotation;
  const along = itemChunks === 0 ? 1 : Math.min(1, inRotation / itemChunks);
  return sharers.accounts + (sharers.chunks * along * chunkCost) / Math.max(1, everyMinutes);
}
