import { type DeltaShard, type FullRecord, readDeltaRecord, readFullRecord, shardOf } from "./format.ts";
import { decodeLegacy, type Shard } from "./shard.ts";
import type { SliceItems } from "./slice-items.ts";

/**
 * A slice read for the scrape: each shard's series in three columns (their keys, values
 * and first minutes) rather than an object per series. The endpoint needs nothing else of
 * a series; the columns are the arrays the record itself is parsed into, kept, not copied.
 * Decodes exactly what decodeFull and applyDelta (format.ts) decode: the same records,
 * checked by the same schemas, to the same series in the same order.
 */
export interface ShardColumns {
  /** The shard's header; its `series` is empty: they are the columns. */
  shard: Shard;
  /** Series keys: the sample's text (name and sorted, escaped labels). */
  keys: string[];
  /** Counters: the cumulative value; gauges: the last one. */
  values: number[];
  /** The first minute counted (Unix seconds): a counter's creation time. */
  created: number[];
}

export function decodeSliceColumns(items: SliceItems): ShardColumns[] {
  return [...decodeSliceColumnMap(items).values()];
}

/**
 * The slice's shards in columns by group, in the order decodeSliceColumns gives them.
 * `record`: its full record, when the caller decoded it already (full-batches.ts).
 */
export function decodeSliceColumnMap(
  { scopeId, index, full, deltas, carriedOver, legacy }: SliceItems,
  record?: FullRecord,
): Map<string, ShardColumns> {
  const shards = new Map<string, ShardColumns>();
  if (full) {
    for (const raw of (record ?? readFullRecord(full.data)).shards) {
      const { k, v, f, b, l, c } = raw;
      if (v.length !== k.length || f.length !== k.length || b.length !== k.length || l.length !== k.length)
        throw new Error(`state of ${scopeId}/${raw.g}: columns of unequal length`);
      // Stored as seconds before the cursor; turned into the minute itself in place.
      for (let i = 0; i < f.length; i++) f[i] = c - (f[i] as number);
      shards.set(raw.g, { shard: shardOf(raw, scopeId, index), keys: k, values: v, created: f });
    }
    for (const delta of deltas) applyDeltaColumns(shards, delta, scopeId, index);
  } else if (!carriedOver) {
    for (const { item } of legacy) {
      const { series, ...shard } = decodeLegacy(item);
      const states = Object.values(series);
      shards.set(shard.group, {
        shard: { ...shard, series: {} },
        keys: Object.keys(series),
        values: states.map((state) => state.v),
        created: states.map((state) => state.f),
      });
    }
  }
  return shards;
}

/**
 * Applies one delta record to a slice's columns, in place (the arrays of a shard it
 * changes may be changed or replaced): what a reader holding the slice at write n does
 * with write n + 1. On an error the columns are left part-way: the caller reads the slice again.
 */
export function applyDeltaColumns(
  shards: Map<string, ShardColumns>,
  delta: Uint8Array,
  scopeId: string,
  index: number,
): void {
  for (const raw of readDeltaRecord(delta).shards)
    shards.set(raw.g, applied(shards.get(raw.g), raw, scopeId, index));
}

/** A shard's columns after one delta: changed values, series gone, new ones appended. */
function applied(
  previous: ShardColumns | undefined,
  raw: DeltaShard,
  scopeId: string,
  index: number,
): ShardColumns {
  const keys = previous?.keys ?? [];
  const values = previous?.values ?? [];
  const created = previous?.created ?? [];
  const count = keys.length;
  // Positions are those of the previous order; changes first, then removals.
  let at = 0;
  const increments = raw.dv ?? [];
  (raw.ix ?? []).forEach((gap, entry) => {
    at += gap;
    if (at < 0 || at >= count)
      throw new Error(`state of ${scopeId}/${raw.g} refers to a series it does not hold`);
    values[at] = (values[at] as number) + (increments[entry] ?? 0);
  });
  for (const [position, [v, f]] of raw.re ?? []) {
    if (position < 0 || position >= count) continue;
    values[position] = v;
    created[position] = f;
  }
  const kept = raw.del ? removed(raw.del, { keys, values, created }) : { keys, values, created };
  for (const [key, [v, f]] of raw.add ?? []) {
    kept.keys.push(key);
    kept.values.push(v);
    kept.created.push(f);
  }
  const shard = shardOf(raw, scopeId, index);
  shard.start = raw.s ?? previous?.shard.start ?? raw.c;
  return { shard, ...kept };
}

/** The columns without the positions `del` lists (as gaps from the previous one). */
function removed(del: readonly number[], columns: Omit<ShardColumns, "shard">): Omit<ShardColumns, "shard"> {
  const gone = new Set<number>();
  let at = 0;
  for (const gap of del) {
    at += gap;
    gone.add(at);
  }
  const out: Omit<ShardColumns, "shard"> = { keys: [], values: [], created: [] };
  columns.keys.forEach((key, position) => {
    if (gone.has(position)) return;
    out.keys.push(key);
    out.values.push(columns.values[position] as number);
    out.created.push(columns.created[position] as number);
  });
  return out;
}
