import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";

/**
 * The stored records' shapes (format.ts). Their long arrays of numbers (a column per
 * series, a delta's positions and increments of changed series) are checked by `column`:
 * one zod check of the whole array testing each entry with a plain predicate, rather than
 * `z.array` of a schema per entry. A cold scrape of 100 zones checks about half a million
 * such entries, and zod's parse of each (its schema walk, a copy of every array) cost more
 * than decompressing them. Each accepts what the per-entry schema accepted: finite numbers,
 * safe integers, the same ranges. The few tuples a delta holds are parsed by zod as before.
 */

/**
 * A column checked where it lies: `z.array` would copy every column of every record read
 * (the scrape reads a few hundred thousand series a minute). What it accepts is the same.
 */
const column = <T>(what: string, is: (item: unknown) => item is T) =>
  z.custom<T[]>((value) => Array.isArray(value) && value.every(is), {
    message: `expected an array of ${what}`,
  });
/** As `z.number()`: finite. */
const isNumber = (item: unknown): item is number => typeof item === "number" && Number.isFinite(item);
/** As `z.number().check(z.int())`: a safe integer. */
const isInteger = Number.isSafeInteger as (item: unknown) => item is number;

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
  /** A series state as an array: [v, f, b, gauge (1) or counter (0), last bucket or null]. */
  const stateTuple = z.tuple([
    z.number(),
    z.number(),
    z.number(),
    z.union([z.literal(0), z.literal(1)]),
    z.nullable(z.number()),
  ]);

  const shardHeader = shardHeaderShape();
  /**
   * A full shard in columns, one entry per series in the order of `k`: values, the first and
   * last minute as seconds before the cursor (short numbers that repeat), the positions of
   * gauges (gaps from the previous one), and counters' last-bucket values (null: none). Columns
   * compress better than per-series tuples and read without an array per series.
   */
  const fullShard = z.object({
    ...shardHeader,
    k: column("strings", (item): item is string => typeof item === "string"),
    v: column("numbers", isNumber),
    f: column("numbers", isNumber),
    b: column("numbers", isNumber),
    gauges: column("integers", (item): item is number => isInteger(item) && item >= 0),
    l: column("numbers or null", (item): item is number | null => item === null || isNumber(item)),
  });
  const deltaShard = z.object({
    ...shardHeader,
    /** Positions (in the previous order) of series that left: gaps from the previous one. */
    del: z.optional(column("integers", isInteger)),
    /** Positions of changed series (gaps), their counter increments, and `cursor - b` where b is not the last minute. */
    ix: z.optional(column("integers", isInteger)),
    dv: z.optional(column("numbers", isNumber)),
    bo: z.optional(z.array(z.tuple([z.number().check(z.int()), z.number()]))),
    /** Last-bucket values that are not the increment itself: [entry, value or null]. */
    lv: z.optional(z.array(z.tuple([z.number().check(z.int()), z.nullable(z.number())]))),
    /** Changed series not expressible as an increment: [position, state]. */
    re: z.optional(z.array(z.tuple([z.number().check(z.int()), stateTuple]))),
    /** New series, appended in this order. */
    add: z.optional(z.array(z.tuple([z.string(), stateTuple]))),
  });

  const fullRecord = z.object({ shards: z.array(fullShard) });
  const deltaRecord = z.object({ shards: z.array(deltaShard) });

  return { stateTuple, fullShard, deltaShard, fullRecord, deltaRecord };
}

export const recordSchemas = once(buildRecordSchemas);
type RecordSchemas = ReturnType<typeof buildRecordSchemas>;
export type StateTupleSchema = RecordSchemas["stateTuple"];
export type FullShardSchema = RecordSchemas["fullShard"];
export type DeltaShardSchema = RecordSchemas["deltaShard"];
export type FullRecordSchema = RecordSchemas["fullRecord"];
