import type * as z from "../lib/zod.ts";
import { checkFormat } from "./format.ts";
import {
  type ChainHints,
  deltaItem,
  eachInTurn,
  goesOn,
  type HeldWrite,
  pageLimit,
  queryRing,
} from "./slice-reads.ts";
import { ringSize, slotOf } from "./slices.ts";
import { keys, type Store } from "./table.ts";

/**
 * A warm scrape's reads (serve/scrape-cache.ts): the writes after each slice's held one,
 * from its ring, with the Queries a cold read of a chain makes (slice-reads.ts). A cold
 * read's chain ends at any write but the next; here only a stale slot or nothing ends it,
 * and anything else (a newer write, what a cold read would fail on) has the slice read whole.
 */

/** What the ring holds after a held write: the deltas that follow it, in write order, up to the first missing. */
export interface RingRead {
  deltas: Uint8Array[];
  /** The chain cannot be followed from the held write (the ring went round past it, or held what this reader cannot read): read the whole slice. */
  broken: boolean;
}

/** Slices whose ring is read at once (each one small Query: its round trip more than its bytes), as a cold read's chains (serve/state.ts). */
const concurrentRings = 16;

/**
 * The writes after each held one, read from the ring: one Query per slice from its next
 * write's slot (the first alone, then `concurrentRings` at a time), eventually consistent.
 * A Query sums the items it returns before rounding up to 4 KB, so the next write and the
 * slot after it (a newer write, a stale one or nothing) cost half a unit together; a
 * slice more writes ahead than the slices before it with the same held write (ChainHints),
 * or whose next write lies in the ring's last slot, takes a Query more. The Queries cost
 * CPU the BatchGets did not (about half a millisecond each: 201 slices took 110–156 ms
 * against 22–33, on a loaded machine), worth less than a quarter of the read units they
 * save: 100 units, $12.6 a million scrapes, against 80–125 ms stretched ×1.73 at 1,024
 * MB, $1.8–2.9.
 */
export async function readRingsAfter(
  store: Store,
  accountId: string,
  held: readonly HeldWrite[],
): Promise<RingRead[]> {
  const reads: RingRead[] = [];
  const hints: ChainHints = new Map();
  await eachInTurn(held.length, concurrentRings, async (i) => {
    reads[i] = await readRingAfter(store, accountId, held[i] as HeldWrite, hints);
  });
  return reads;
}

/**
 * The writes after one held write: slot by slot in key order (round to slot 0 after the
 * last), each moving the slice on only if it holds the write numbered exactly one after the
 * last. A slot holding nothing or an older write ends the chain; a newer write (the ring
 * went round past the held one), an item this reader cannot read, or a chain longer than
 * the ring breaks it. Without a hint a slice is expected one write ahead (a steady minute).
 */
export async function readRingAfter(
  store: Store,
  accountId: string,
  held: HeldWrite,
  hints: ChainHints = new Map(),
): Promise<RingRead> {
  const read: RingRead = { deltas: [], broken: false };
  const expected = hints.get(held.seq) ?? 1;
  const next = () => held.seq + read.deltas.length + 1;
  for (let limit = pageLimit(expected, 0); ; ) {
    const page = await queryRing(store, accountId, held, next(), limit);
    for (const raw of page.items) {
      const step = ringStep(raw, held, next(), read.deltas.length);
      if (step === "broken") return { ...read, broken: true };
      if (step === "end") return learnt(hints, held, read);
      read.deltas.push(step);
    }
    if (!goesOn(page, limit, next())) return learnt(hints, held, read);
    limit =
      page.items.length === limit || page.cut
        ? pageLimit(expected, read.deltas.length)
        : wrapLimit(expected, read);
  }
}

/**
 * Round the ring's end (slot 0 after the last): as many deltas as the hint still expects,
 * at least one, and the slot after them. A Query is billed per 4 KB of what it returns:
 * two deltas (mostly under 2 KB each) cost what one does, a chunk of stale ones more.
 */
function wrapLimit(expected: number, read: RingRead): number {
  return Math.min(ringSize, Math.max(expected - read.deltas.length, 1) + 1);
}

function learnt(hints: ChainHints, held: HeldWrite, read: RingRead): RingRead {
  hints.set(held.seq, read.deltas.length);
  return read;
}

/**
 * What a ring item means to a chain at write `next`: its delta, the chain's end (the
 * item lies past write `next`'s slot, which holds nothing; or the slot holds an older
 * write: a slot holds writes s, s + ringSize…), or a broken chain.
 */
function ringStep(
  raw: Record<string, unknown>,
  held: HeldWrite,
  next: number,
  length: number,
): Uint8Array | "end" | "broken" {
  if (raw.sk !== keys.sliceDelta(held.scopeId, held.index, slotOf(next))) return "end";
  const item = checkedDelta(raw);
  if (item && item.seq % ringSize === next % ringSize && item.seq < next) return "end";
  if (!item || item.seq !== next || length >= ringSize) return "broken";
  return item.data;
}

/** A ring slot's item, if this reader can read it. */
function checkedDelta(raw: Record<string, unknown>): z.output<ReturnType<typeof deltaItem>> | undefined {
  try {
    checkFormat(String(raw.sk), raw.format);
    return deltaItem().parse(raw);
  } catch {
    return undefined;
  }
}
