import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import { checkFormat } from "./format.ts";
import { keys } from "./table.ts";

/**
 * The stored items of slices, grouped by slice and put in write order, not yet decoded.
 * This is the one place that reads what an item's key means: the fetcher's read
 * (slices.ts) and the scrape's (columns.ts) both start here.
 */
export interface SliceItems {
  scopeId: string;
  index: number;
  /** The full record and the write it holds (absent: the slice is in format 1, or nothing is stored). */
  full?: { seq: number; data: Uint8Array };
  /** The deltas after the full record, in write order: writes `full.seq + 1`, `+ 2`… up to the first one missing. */
  deltas: Uint8Array[];
  /**
   * Whether the slice is in the current format (3). If not, `full` and `deltas` are its
   * chain in format 2 (or absent, and `legacy` holds its format-1 shards): its state until
   * its first write carries it over.
   */
  carriedOver: boolean;
  /** Format-1 items of the slice (one per group's shard): its state when it has nothing newer. */
  legacy: { sk: string; item: Record<string, unknown> }[];
  /** Every item of an earlier format (1 or 2): the state until carried over, then leftovers that the next write deletes. */
  earlier: string[];
}

const chainItem = once(() =>
  z.object({
    sk: z.string(),
    seq: z.number().check(z.int(), z.positive()),
    data: z.instanceof(Uint8Array),
  }),
);

/** A slice's records in one format: its full record, and its deltas by write number. */
interface Chain {
  full?: { seq: number; data: Uint8Array };
  byWrite: Map<number, Uint8Array>;
}

interface Entry {
  scopeId: string;
  index: number;
  current: Chain;
  format2: Chain;
  present: { 2: boolean; 3: boolean };
  legacy: { sk: string; item: Record<string, unknown> }[];
  earlier: string[];
}

const newEntry = (scopeId: string, index: number): Entry => ({
  scopeId,
  index,
  current: { byWrite: new Map() },
  format2: { byWrite: new Map() },
  present: { 2: false, 3: false },
  legacy: [],
  earlier: [],
});

/** Which slice an item belongs to and what it is, from its key; checked. */
function placed(raw: Record<string, unknown>) {
  const sk = String(raw.sk);
  const format = checkFormat(sk, raw.format);
  if (format === 1) {
    // SERIES#<group>#<scope>#<shard>
    const [, , scopeId = "", index = "0"] = sk.split("#");
    return { scopeId, index: Number(index), sk, format, full: false };
  }
  const item = chainItem().parse(raw);
  if (format === 2) {
    // SERIES#2#<scope>#<slice>#S (the full record) or #D<slot> (a delta)
    const [scopeId = "", index = "0", kind = ""] = sk.slice(keys.format2Prefix.length).split("#");
    return { scopeId, index: Number(index), sk, format, full: kind === "S", item };
  }
  // SERIES#3#F#<scope>#<slice> (a full record) or SERIES#3#D#<scope>#<slice>#<slot> (a delta)
  const full = sk.startsWith(keys.fullPrefix);
  const [scopeId = "", index = "0"] = sk.slice((full ? keys.fullPrefix : keys.deltaPrefix).length).split("#");
  return { scopeId, index: Number(index), sk, format, full, item };
}

function add(entry: Entry, raw: Record<string, unknown>, place: ReturnType<typeof placed>): void {
  if (place.format === 1) {
    entry.legacy.push({ sk: place.sk, item: raw });
    entry.earlier.push(place.sk);
    return;
  }
  entry.present[place.format] = true;
  if (place.format === 2) entry.earlier.push(place.sk);
  const chain = place.format === 3 ? entry.current : entry.format2;
  if (!place.item) return;
  if (place.full) chain.full = { seq: place.item.seq, data: place.item.data };
  else chain.byWrite.set(place.item.seq, place.item.data);
}

function finished(entry: Entry): SliceItems {
  const carriedOver = entry.present[3];
  // A format-2 slice without its full record is not one (leftovers of a carry-over): format 1 is read then.
  const { full, byWrite } = carriedOver ? entry.current : entry.format2;
  const deltas: Uint8Array[] = [];
  if (full)
    for (let seq = full.seq + 1, next = byWrite.get(seq); next; next = byWrite.get(++seq)) deltas.push(next);
  return {
    scopeId: entry.scopeId,
    index: entry.index,
    ...(full ? { full } : {}),
    deltas,
    carriedOver,
    legacy: entry.legacy,
    earlier: entry.earlier,
  };
}

/** The order a Query of the account meets slices in: `…<scope>#<index>#…`. */
export const sliceKeyOrder = (
  a: { scopeId: string; index: number },
  b: { scopeId: string; index: number },
) => {
  const key = (slice: { scopeId: string; index: number }) => `${slice.scopeId}#${slice.index}#`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
};

/**
 * Items of one or more scopes (any order) → their slices: first those with items in the
 * current format, then those still in format 2, each in key order, then those in format 1
 * only, in the order their first item came. Fails loudly on an item of an unknown stored format.
 */
export function groupSliceItems(items: Iterable<Record<string, unknown>>): SliceItems[] {
  const bySlice = new Map<string, Entry>();
  for (const raw of items) {
    const place = placed(raw);
    const id = `${place.scopeId}#${place.index}`;
    const entry = bySlice.get(id) ?? newEntry(place.scopeId, place.index);
    bySlice.set(id, entry);
    add(entry, raw, place);
  }
  const entries = [...bySlice.values()];
  const inFormat = (format: 2 | 3) =>
    entries.filter((e) => e.present[format] && (format === 3 || !e.present[3])).sort(sliceKeyOrder);
  const formatOneOnly = entries.filter((e) => !e.present[2] && !e.present[3]);
  return [...inFormat(3), ...inFormat(2), ...formatOneOnly].map(finished);
}
