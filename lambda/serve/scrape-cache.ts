import { applyDeltaColumns, decodeSliceColumnMap, type ShardColumns } from "../store/columns.ts";
import { readRingsAfter } from "../store/ring-reads.ts";
import type { SliceItems } from "../store/slice-items.ts";
import { type ChainHints, eachInTurn, readSliceItems } from "../store/slice-reads.ts";
import type { Store } from "../store/table.ts";

/**
 * What a serve container keeps of each account between scrapes: every slice as decoded
 * (its shards' columns) with the write number it holds, so that the next scrape reads only
 * the ring slots after it (store/ring-reads.ts: one Query a slice, half a unit in a steady
 * minute) instead of every slice's full record and the deltas after it.
 *
 * Nothing held is trusted beyond the chain it came from: a slice moves on only by the
 * delta numbered one after what it holds (a write's slot and number are unique, the
 * writes of a slice immutable), and anything else (a gap, an unknown format, a record
 * that does not decode, an error) has it read whole again, as a cold scrape reads it. New
 * slices are found in the account's slice index (store/slice-index.ts); an account without
 * one, or with a slice in an earlier format, is read whole every scrape. Every `coldEvery`-th scrape of
 * an account reads it whole anyway: what a warm scrape cannot see (a table restored from a
 * backup, a slice written by an exporter too old to index it) lasts at most that long.
 *
 * At most `maxSeries` series are held (a whole account or none of it); beyond, accounts
 * are read whole each scrape, as before.
 */
export const maxScrapeCachedSeries = 300_000;
export const coldEvery = 60;
/** Slices read whole at once (each one Query). */
const concurrentReads = 8;

export interface HeldSlice {
  scopeId: string;
  index: number;
  /** The write the columns are as of (0: nothing stored yet, read whole). */
  seq: number;
  shards: Map<string, ShardColumns>;
}

interface HeldAccount {
  slices: Map<string, HeldSlice>;
  series: number;
  warmReads: number;
}

export interface ScrapeCache {
  accounts: Map<string, HeldAccount>;
  maxSeries: number;
  /** Scrapes of one container take their turn: a held slice moves on in place. */
  turn: Promise<unknown>;
}

export function createScrapeCache(maxSeries = maxScrapeCachedSeries): ScrapeCache {
  return { accounts: new Map(), maxSeries, turn: Promise.resolve() };
}

/** Runs `read` after any scrape of this container still reading. */
export function inTurn<T>(cache: ScrapeCache, read: () => Promise<T>): Promise<T> {
  const result = cache.turn.then(read);
  cache.turn = result.catch(() => undefined);
  return result;
}

/** A slice as a cold read decoded it (none for a slice still in format 1). */
export function heldFromItems(items: SliceItems, shards: Map<string, ShardColumns>): HeldSlice | undefined {
  if (!items.carriedOver) return undefined;
  const seq = items.full ? items.full.seq + items.deltas.length : 0;
  return { scopeId: items.scopeId, index: items.index, seq, shards };
}

/** The account as held, when a warm read of it may be tried. */
export function heldAccount(cache: ScrapeCache, accountId: string): HeldAccount | undefined {
  const held = cache.accounts.get(accountId);
  if (!held || held.warmReads >= coldEvery) return undefined;
  return held;
}

/** Keeps (or forgets) an account's slices after a read; only what fits is kept. */
export function keepAccount(
  cache: ScrapeCache,
  accountId: string,
  slices: Map<string, HeldSlice> | undefined,
  warmReads: number,
): void {
  cache.accounts.delete(accountId);
  if (!slices) return;
  let series = 0;
  for (const slice of slices.values()) for (const shard of slice.shards.values()) series += shard.keys.length;
  let others = 0;
  for (const held of cache.accounts.values()) others += held.series;
  if (others + series <= cache.maxSeries) cache.accounts.set(accountId, { slices, series, warmReads });
}

/** The order a Query returns slices in: their items' sort keys, `…#<scope>#<index>#…`. */
export function inKeyOrder(slices: Iterable<HeldSlice>): HeldSlice[] {
  const key = (slice: HeldSlice) => `${slice.scopeId}#${slice.index}#`;
  return [...slices].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Moves every held slice (and every new one the index lists) to the latest write the ring
 * shows. Returns false when a slice turned out to be in format 1: the account is then read whole.
 */
export async function advanceSlices(
  store: Store,
  accountId: string,
  slices: Map<string, HeldSlice>,
  indexed: ReadonlySet<string>,
): Promise<boolean> {
  for (const id of indexed) {
    if (slices.has(id)) continue;
    const at = id.lastIndexOf("#");
    const index = Number(id.slice(at + 1));
    if (at <= 0 || !Number.isInteger(index) || index < 0) return false;
    slices.set(id, { scopeId: id.slice(0, at), index, seq: 0, shards: new Map() });
  }
  const held = [...slices.values()].filter((slice) => slice.seq > 0);
  const rings = await readRingsAfter(store, accountId, held);
  const whole = [...slices.values()].filter((slice) => slice.seq === 0);
  held.forEach((slice, i) => {
    const ring = rings[i];
    if (!ring || ring.broken || !applied(slice, ring.deltas)) whole.push(slice);
  });
  let carried = true;
  const hints: ChainHints = new Map();
  await eachInTurn(whole.length, concurrentReads, async (i) => {
    carried = (await readWhole(store, accountId, whole[i] as HeldSlice, hints)) && carried;
  });
  return carried;
}

/** Applies the writes after the held one; false when one does not apply (the slice is then read whole). */
function applied(slice: HeldSlice, deltas: readonly Uint8Array[]): boolean {
  try {
    for (const delta of deltas) {
      applyDeltaColumns(slice.shards, delta, slice.scopeId, slice.index);
      slice.seq += 1;
    }
    return true;
  } catch {
    return false;
  }
}

/** The slice as stored now; false when it is still in an earlier format. */
async function readWhole(
  store: Store,
  accountId: string,
  slice: HeldSlice,
  hints: ChainHints,
): Promise<boolean> {
  const items = await readSliceItems(store, accountId, slice.scopeId, slice.index, hints);
  if (!items) {
    slice.seq = 0;
    slice.shards = new Map();
    return true;
  }
  const shards = decodeSliceColumnMap(items);
  const held = heldFromItems(items, shards);
  if (!held) return false;
  slice.seq = held.seq;
  slice.shards = shards;
  return true;
}
