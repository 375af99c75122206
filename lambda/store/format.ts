import { brotliCompressSync, constants } from "node:zlib";
import type * as z from "../lib/zod.ts";
import {
  type DeltaShardSchema,
  type FullRecordSchema,
  type FullShardSchema,
  recordSchemas,
  type StateTuple,
} from "./record-schemas.ts";
import { advancedInOrder, replacedByPosition, seriesKeys } from "./series-facts.ts";
import type { SeriesState, Shard, SliceShards } from "./shard.ts";
import { unpack } from "./unpack.ts";

/**
 * The stored form of a slice: every group's shard with one index, for one zone (or
 * account). A full record lists every series; a delta record lists only what one write
 * changed. Both are brotli-compressed columnar JSON: series are named once (in the full record or
 * when they first appear) and referred to by position afterwards.
 *
 * Format 1 (no `format` attribute) was one gzip'd JSON item per shard; format 2 held these
 * records with a slice's full record and its ring of deltas under one key prefix; format 3
 * (this) keeps the same records with full records apart from deltas (store/table.ts), so a
 * cold reader reads only the deltas after each full record. Slices in formats 1 and 2 are
 * read and carried over on their first write. A reader meeting any other number stops: it
 * cannot know what the numbers mean.
 */
export const storedFormat = 3;

export class UnknownFormatError extends Error {}

export type KnownFormat = 1 | 2 | 3;

export function checkFormat(sk: string, format: unknown): KnownFormat {
  if (format === undefined) return 1;
  if (format === 2 || format === storedFormat) return format;
  throw new UnknownFormatError(
    `state item ${sk} has stored format ${String(format)}; this exporter reads formats 1 to ${storedFormat}: upgrade the exporter before it reads this table`,
  );
}

const toTuple = (s: SeriesState): StateTuple => [s.v, s.f, s.b, s.t === "g" ? 1 : 0, s.l ?? null];
const fromTuple = ([v, f, b, g, l]: StateTuple): SeriesState => stateOf(v, f, b, g === 1, l);

/**
 * A series state with the fields it has, in the order v, f, b, t, l: built without
 * spreading optional parts in, as a cold read builds one for every series it decodes.
 */
function stateOf(
  v: number,
  f: number,
  b: number,
  gauge: boolean,
  last: number | null | undefined,
): SeriesState {
  if (last === null || last === undefined) return gauge ? { v, f, b, t: "g" } : { v, f, b };
  return gauge ? { v, f, b, t: "g", l: last } : { v, f, b, l: last };
}

// Brotli at quality 5: on these records about 40 % smaller than gzip (every write unit is a
// started KB) in about the time gzip takes; the higher qualities save another sixth at
// 10 to 100 times the CPU, which a catch-up of many minutes cannot afford.
const brotliParams = {
  [constants.BROTLI_PARAM_QUALITY]: 5,
  [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
};
const pack = (value: unknown) => {
  const json = Buffer.from(JSON.stringify(value));
  return brotliCompressSync(json, {
    params: { ...brotliParams, [constants.BROTLI_PARAM_SIZE_HINT]: json.byteLength },
  });
};
/** A stored record, decompressed and checked: every reader of a slice starts here. */
export const readFullRecord = (data: Uint8Array) => checkFullRecord(unpack(data));
export const checkFullRecord = (value: unknown) => recordSchemas().fullRecord.parse(value);
export type FullRecord = z.output<FullRecordSchema>;
export const readDeltaRecord = (data: Uint8Array) => recordSchemas().deltaRecord.parse(unpack(data));
export type DeltaShard = z.output<DeltaShardSchema>;

export function encodeFull(shards: SliceShards): Uint8Array {
  return pack({ shards: [...shards.values()].map(fullColumns) });
}

function fullColumns(shard: Shard): z.input<FullShardSchema> {
  const states = Object.values(shard.series);
  const gauges: number[] = [];
  let lastGauge = 0;
  states.forEach((state, position) => {
    if (state.t !== "g") return;
    gauges.push(position - lastGauge);
    lastGauge = position;
  });
  return {
    ...header(shard),
    s: shard.start,
    k: Object.keys(shard.series),
    v: states.map((state) => state.v),
    f: states.map((state) => shard.cursor - state.f),
    b: states.map((state) => shard.cursor - state.b),
    gauges,
    l: states.map((state) => state.l ?? null),
  };
}

export function decodeFull(data: Uint8Array, scopeId: string, index: number): SliceShards {
  const shards: SliceShards = new Map();
  for (const raw of readFullRecord(data).shards) {
    const { k, v, f, b, l, c } = raw;
    if (v.length !== k.length || f.length !== k.length || b.length !== k.length || l.length !== k.length)
      throw new Error(`state of ${scopeId}/${raw.g}: columns of unequal length`);
    const gauges = new Set<number>();
    let at = 0;
    for (const gap of raw.gauges) {
      at += gap;
      gauges.add(at);
    }
    const series: Record<string, SeriesState> = {};
    for (let i = 0; i < k.length; i++) {
      series[k[i] as string] = stateOf(
        v[i] as number,
        c - (f[i] as number),
        c - (b[i] as number),
        gauges.has(i),
        l[i],
      );
    }
    shards.set(raw.g, { ...shardOf(raw, scopeId, index), start: raw.s ?? raw.c, series });
  }
  return shards;
}

function header(shard: Shard) {
  return {
    g: shard.group,
    c: shard.cursor,
    ...(shard.lostMinutes ? { lm: shard.lostMinutes } : {}),
    ...(Object.keys(shard.dropped).length > 0 ? { dr: shard.dropped } : {}),
    ...(shard.label === undefined ? {} : { lb: shard.label }),
  };
}

/** A shard as a record names it, without its series. */
export function shardOf(raw: DeltaShard, scopeId: string, index: number): Shard {
  return {
    group: raw.g,
    scopeId,
    index,
    cursor: raw.c,
    start: raw.s ?? raw.c,
    series: {},
    lostMinutes: raw.lm ?? 0,
    dropped: raw.dr ?? {},
    ...(raw.lb === undefined ? {} : { label: raw.lb }),
    stored: true,
  };
}

/** What changed from `before` to `after` (shards absent from `before` are new). */
export function encodeDelta(before: SliceShards, after: readonly Shard[]): Uint8Array {
  return pack({ shards: after.map((shard) => deltaOf(before.get(shard.group), shard)) });
}

function deltaOf(previous: Shard | undefined, next: Shard) {
  const prior = previous?.series ?? {};
  const out: z.input<DeltaShardSchema> = { ...header(next) };
  if (!previous || previous.start !== next.start) out.s = next.start;
  const del: number[] = [];
  const ix: number[] = [];
  const dv: number[] = [];
  const bo: [number, number][] = [];
  const lv: [number, number | null][] = [];
  const re: [number, StateTuple][] = [];
  let lastDel = 0;
  let lastIx = 0;
  // A shard that kept its series object (nothing reached it) changed none of them.
  const keys = prior === next.series ? [] : seriesKeys(prior);
  const compare = (key: string, position: number) => {
    const was = prior[key] as SeriesState;
    const now = next.series[key];
    if (now === was) return;
    if (!now) {
      del.push(position - lastDel);
      lastDel = position;
      return;
    }
    if (now.v === was.v && now.b === was.b && now.l === was.l && now.t === was.t && now.f === was.f) return;
    const increment = now.v - was.v;
    if (now.f !== was.f || now.t !== was.t || was.v + increment !== now.v) {
      re.push([position, toTuple(now)]);
      return;
    }
    const entry = ix.length;
    ix.push(position - lastIx);
    lastIx = position;
    dv.push(increment);
    if (now.b !== next.cursor - 60) bo.push([entry, next.cursor - now.b]);
    const usual = now.t === "g" ? undefined : increment;
    if (now.l !== usual) lv.push([entry, now.l ?? null]);
  };
  // Advanced in order with none dropped: only the series it replaced can differ.
  const replaced = keys.length === 0 ? undefined : replacedByPosition(next.series, prior);
  if (replaced) for (const [position, key] of replaced) compare(key, position);
  else keys.forEach(compare);
  const add = prior === next.series ? [] : added(prior, next.series, keys.length - del.length);
  return {
    ...out,
    ...(del.length ? { del } : {}),
    ...(ix.length ? { ix, dv } : {}),
    ...(bo.length ? { bo } : {}),
    ...(lv.length ? { lv } : {}),
    ...(re.length ? { re } : {}),
    ...(add.length ? { add } : {}),
  };
}

/**
 * The series `next` holds that `prior` did not, `kept` being how many of `prior`'s it
 * kept: when `next` was advanced in order from `prior` (series-facts.ts), they are its
 * keys after those, found without looking each key up.
 */
function added(prior: Series, next: Series, kept: number): [string, StateTuple][] {
  const keys = seriesKeys(next);
  const add: [string, StateTuple][] = [];
  if (keys.length === kept) return add;
  if (advancedInOrder(next, prior))
    for (let i = kept; i < keys.length; i++) {
      const key = keys[i] as string;
      add.push([key, toTuple(next[key] as SeriesState)]);
    }
  else for (const key of keys) if (!(key in prior)) add.push([key, toTuple(next[key] as SeriesState)]);
  return add;
}

type Series = Readonly<Record<string, SeriesState>>;

/** Applies a delta record to a slice, in place. */
export function applyDelta(slice: SliceShards, data: Uint8Array, scopeId: string, index: number): void {
  for (const raw of readDeltaRecord(data).shards) {
    const previous = slice.get(raw.g);
    const prior = previous?.series ?? {};
    const keys = Object.keys(prior);
    const gone = new Set<number>();
    let at = 0;
    for (const gap of raw.del ?? []) {
      at += gap;
      gone.add(at);
    }
    const changed = new Map<number, SeriesState>();
    at = 0;
    const bo = new Map(raw.bo ?? []);
    const lv = new Map(raw.lv ?? []);
    (raw.ix ?? []).forEach((gap, entry) => {
      at += gap;
      const was = prior[keys[at] ?? ""];
      if (!was) throw new Error(`state of ${scopeId}/${raw.g} refers to a series it does not hold`);
      const increment = raw.dv?.[entry] ?? 0;
      const last = lv.has(entry) ? lv.get(entry) : was.t === "g" ? undefined : increment;
      changed.set(at, stateOf(was.v + increment, was.f, raw.c - (bo.get(entry) ?? 60), was.t === "g", last));
    });
    for (const [position, tuple] of raw.re ?? []) changed.set(position, fromTuple(tuple));
    const series: Record<string, SeriesState> = {};
    keys.forEach((key, position) => {
      if (!gone.has(position)) series[key] = changed.get(position) ?? (prior[key] as SeriesState);
    });
    for (const [key, tuple] of raw.add ?? []) series[key] = fromTuple(tuple);
    slice.set(raw.g, {
      ...shardOf(raw, scopeId, index),
      start: raw.s ?? previous?.start ?? raw.c,
      series,
    });
  }
}
