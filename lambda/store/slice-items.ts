import * as z from "zod";
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
  /** The full record and the write it holds (absent: nothing of this slice in format 2 yet). */
  full?: { seq: number; data: Uint8Array };
  /** The deltas after the full record, in write order: writes `full.seq + 1`, `+ 2`… up to the first one missing. */
  deltas: Uint8Array[];
  /** Whether any item of the slice is in format 2: its format-1 items are then leftovers, not its state. */
  carriedOver: boolean;
  /** Format-1 items of the slice (one per group's shard): its state until carried over, then leftovers to delete. */
  legacy: { sk: string; item: Record<string, unknown> }[];
}

const sliceItem = z.object({
  sk: z.string(),
  seq: z.number().int().positive(),
  data: z.instanceof(Uint8Array),
});

/**
 * Items of one or more scopes (any order within a scope's Query) → their slices: first
 * those with format-2 items, in the order their first item came, then those still in
 * format 1 only. Fails loudly on an item of an unknown stored format.
 */
export function groupSliceItems(items: Iterable<Record<string, unknown>>): SliceItems[] {
  type Entry = SliceItems & { byWrite: Map<number, Uint8Array> };
  const bySlice = new Map<string, Entry>();
  const carried: Entry[] = [];
  const entry = (scopeId: string, index: number): Entry => {
    const id = `${scopeId}#${index}`;
    const found = bySlice.get(id);
    if (found) return found;
    const created: Entry = { scopeId, index, deltas: [], carriedOver: false, legacy: [], byWrite: new Map() };
    bySlice.set(id, created);
    return created;
  };
  for (const raw of items) {
    const sk = String(raw.sk);
    if (checkFormat(sk, raw.format) === 1) {
      // SERIES#<group>#<scope>#<shard>
      const [, , scopeId = "", index = "0"] = sk.split("#");
      entry(scopeId, Number(index)).legacy.push({ sk, item: raw });
      continue;
    }
    const item = sliceItem.parse(raw);
    // SERIES#2#<scope>#<slice>#S (the full record) or #D<slot> (a delta)
    const [scopeId = "", index = "0", kind = ""] = sk.slice(keys.slicePrefix.length).split("#");
    const slice = entry(scopeId, Number(index));
    if (!slice.carriedOver) carried.push(slice);
    slice.carriedOver = true;
    if (kind === "S") slice.full = { seq: item.seq, data: item.data };
    else slice.byWrite.set(item.seq, item.data);
  }
  const legacyOnly = [...bySlice.values()].filter((s) => !s.carriedOver);
  return [...carried, ...legacyOnly].map(({ byWrite, ...slice }) => {
    for (let seq = (slice.full?.seq ?? 0) + 1, next = byWrite.get(seq); next; next = byWrite.get(++seq))
      slice.deltas.push(next);
    return slice;
  });
}
