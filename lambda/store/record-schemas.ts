import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";

/**
 * The stored records' shapes (format.ts). Their long arrays of numbers (a column per
 * series, a delta's positions and increments of changed series) are checked by `column`:
 * one zod check of the whole array testing each entry with a plain predicate, rather than
 * `z.array` of a schema per entry. A cold scrape of 100 zones checks about half a million
 * such entries, and zod's parse of each (its schema walk, a copy of every array) cost more
 * than decompressing them. Each accepts what the per-entry schema accepted: finite numbers,
 * safe integers, the same ranges. A delta's lists of tuples are checked the same way, each
 * tuple by its entries' predicates (`tupleOf`), where `z.tuple` copied every tuple of the
 * thousand deltas a cold scrape reads.
 */

/**
 * A column checked where it lies: `z.array` would copy every column of every record read
 * (the scrape reads a few hundred thousand series a minute). What it accepts is the same.
 */
const column = <T>(what: string, is: (item: unknown) => item is T) =>
  z.custom<T[]>((value) => Array.isArray(value) && value.every(is), {
    message: `expected an array of ${what}`,
  });
/** A series state as an array: [v, f, b, gauge (1) or counter (0), last bucket or null]. */
export type StateTuple = [v: number, f: number, b: number, gauge: 0 | 1, last: number | null];

/**
 * A tuple checked where it lies, as `z.tuple` of these predicates checked it: an array of
 * exactly their length, each entry passing its own. A list of them is a `column`.
 */
const tupleOf =
  <T extends unknown[]>(...entries: { [K in keyof T]: (item: unknown) => item is T[K] }) =>
  (item: unknown): item is T =>
    Array.isArray(item) && item.length === entries.length && entries.every((is, i) => is(item[i]));
/** As `z.number()`: finite. */
const isNumber = (item: unknown): item is number => typeof item === "number" && Number.isFinite(item);
/** As `z.number().check(z.int())`: a safe integer. */
const isInteger = Number.isSafeInteger as (item: unknown) => item is number;
const isNumberOrNull = (item: unknown): item is number | null => item === null || isNumber(item);
const isString = (item: unknown): item is string => typeof item === "string";
const isFlag = (item: unknown): item is 0 | 1 => item === 0 || item === 1;
/** As `z.tuple` of `StateTuple`'s entries: finite numbers, the gauge flag 0 or 1. */
const isState = tupleOf<StateTuple>(isNumber, isNumber, isNumber, isFlag, isNumberOrNull);

const shardHeaderShape = () => ({
  g: z.string(),
  c: z.number(),
  s: z.optional(z.number()),
  lm: z.optional(z.number()),
  dr: z.optional(z.record(z.string(), z.number().check(z.int(), z.nonnegative()))),
  lb: z.optional(z.string()),
});

/**
 * Built at first use (`recordSchemas()`): a cold start's import builds none of them, and the
 * functions that never read a record (discover) never build them.
 */
function buildRecordSchemas() {
  const shardHeader = shardHeaderShape();
  /**
   * A full shard in columns, one entry per series in the order of `k`: values, the first and
   * last minute as seconds before the cursor (short numbers that repeat), the positions of
   * gauges (gaps from the previous one), and counters' last-bucket values (null: none). Columns
   * compress better than per-series tuples and read without an array per series.
   */
  const fullShard = z.object({
    ...shardHeader,
    k: column("strings", isString),
    v: column("numbers", isNumber),
    f: column("numbers", isNumber),
    b: column("numbers", isNumber),
    gauges: column("integers", (item): item is number => isInteger(item) && item >= 0),
    l: column("numbers or null", isNumberOrNull),
  });
  const deltaShard = z.object({
    ...shardHeader,
    /** Positions (in the previous order) of series that left: gaps from the previous one. */
    del: z.optional(column("integers", isInteger)),
    /** Positions of changed series (gaps), their counter increments, and `cursor - b` where b is not the last minute. */
    ix: z.optional(column("integers", isInteger)),
    dv: z.optional(column("numbers", isNumber)),
    bo: z.optional(column("[integer, number]", tupleOf<[number, number]>(isInteger, isNumber))),
    /** Last-bucket values that are not the increment itself: [entry, value or null]. */
    lv: z.optional(
      column("[integer, number or null]", tupleOf<[number, number | null]>(isInteger, isNumberOrNull)),
    ),
    /** Changed series not expressible as an increment: [position, state]. */
    re: z.optional(column("[integer, state]", tupleOf<[number, StateTuple]>(isInteger, isState))),
    /** New series, appended in this order. */
    add: z.optional(column("[key, state]", tupleOf<[string, StateTuple]>(isString, isState))),
  });

  const fullRecord = z.object({ shards: z.array(fullShard) });
  const deltaRecord = z.object({ shards: z.array(deltaShard) });

  return { fullShard, deltaShard, fullRecord, deltaRecord };
}

export const recordSchemas = once(buildRecordSchemas);
type RecordSchemas = ReturnType<typeof buildRecordSchemas>;
export type FullShardSchema = RecordSchemas["fullShard"];
export type DeltaShardSchema = RecordSchemas["deltaShard"];
export type FullRecordSchema = RecordSchemas["fullRecord"];
