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
  seq: z.number().check(z.int(), z.positive()),
  data: z.instanceof(Uint8Array),
});

type Entry = SliceItems & { byWrite: Map<number, Uint8Array> };

const newEntry = (scopeId: string, index: number): Entry => ({
  scopeId,
  index,
  deltas: [],
  carriedOver: false,
  legacy: [],
  byWrite: new Map(),
});

/** Which slice an item belongs to, from its key; a format-2 item is checked. */
function placed(raw: Record<string, unknown>) {
  const sk = String(raw.sk);
  if (checkFormat(sk, raw.format) === 1) {
    // SERIES#<group>#<scope>#<shard>
    const [, , scopeId = "", index = "0"] = sk.split("#");
    return { id: `${scopeId}#${index}`, scopeId, index: Number(index), sk, legacy: true as const };
  }
  const item = sliceItem.parse(raw);
  // SERIES#2#<scope>#<slice>#S (the full record) or #D<slot> (a delta)
  const [scopeId = "", index = "0", kind = ""] = sk.slice(keys.slicePrefix.length).split("#");
  return { id: `${scopeId}#${index}`, scopeId, index: Number(index), sk, legacy: false as const, kind, item };
}

function add(entry: Entry, raw: Record<string, unknown>, place: ReturnType<typeof placed>): void {
  if (place.legacy) {
    entry.legacy.push({ sk: place.sk, item: raw });
    return;
  }
  entry.carriedOver = true;
  if (place.kind === "S") entry.full = { seq: place.item.seq, data: place.item.data };
  else entry.byWrite.set(place.item.seq, place.item.data);
}

function finished({ byWrite, ...slice }: Entry): SliceItems {
  for (let seq = (slice.full?.seq ?? 0) + 1, next = byWrite.get(seq); next; next = byWrite.get(++seq))
    slice.deltas.push(next);
  return slice;
}

/**
 * Items of one or more scopes (any order within a scope's Query) → their slices: first
 * those with format-2 items, in the order their first item came, then those still in
 * format 1 only. Fails loudly on an item of an unknown stored format.
 */
export function groupSliceItems(items: Iterable<Record<string, unknown>>): SliceItems[] {
  const bySlice = new Map<string, Entry>();
  const carried: Entry[] = [];
  for (const raw of items) {
    const place = placed(raw);
    const entry = bySlice.get(place.id) ?? newEntry(place.scopeId, place.index);
    bySlice.set(place.id, entry);
    if (!place.legacy && !entry.carriedOver) carried.push(entry);
    add(entry, raw, place);
  }
  const legacyOnly = [...bySlice.values()].filter((s) => !s.carriedOver);
  return [...carried, ...legacyOnly].map(finished);
}

/**
 * Groups a Query's items as its pages come, in key order, so that a reader holds the items
 * of one slice at a time: `add` hands a slice over as soon as an item of the next one
 * comes, `end` the last one and those still in format 1 only. The format-1 leftovers of a
 * carried-over slice are not handed over (what a writer deletes: it reads with
 * groupSliceItems). The same slices, in the same order, as groupSliceItems.
 */
export function sliceItemsInKeyOrder(): {
  add(item: Record<string, unknown>): SliceItems | undefined;
  end(): SliceItems[];
} {
  let open: { id: string; entry: Entry } | undefined;
  const carriedIds = new Set<string>();
  const legacyOnly = new Map<string, Entry>();
  return {
    add(raw) {
      const place = placed(raw);
      if (place.legacy) {
        if (carriedIds.has(place.id)) return undefined;
        const entry = legacyOnly.get(place.id) ?? newEntry(place.scopeId, place.index);
        legacyOnly.set(place.id, entry);
        add(entry, raw, place);
        return undefined;
      }
      if (open?.id === place.id) {
        add(open.entry, raw, place);
        return undefined;
      }
      if (carriedIds.has(place.id)) throw new Error(`state item ${place.sk} came out of key order`);
      const done = open && finished(open.entry);
      open = { id: place.id, entry: newEntry(place.scopeId, place.index) };
      carriedIds.add(place.id);
      add(open.entry, raw, place);
      return done;
    },
    end() {
      const last = open ? [finished(open.entry)] : [];
      open = undefined;
      return [...last, ...[...legacyOnly].filter(([id]) => !carriedIds.has(id)).map(([, e]) => finished(e))];
    },
  };
}
