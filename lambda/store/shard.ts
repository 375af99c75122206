import { gunzipSync } from "node:zlib";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";

/**
 * Series live in shards: all series of one query group and zone (or account) whose key
 * hashes to the shard. Each shard carries its own cursor. The shards with one index of
 * one zone form a slice (lambda/store/slices.ts), stored as a full record and compact
 * deltas; values and cursors of a slice move together in one conditional write, so a
 * shard is always exactly "every minute before `cursor` counted once" — whatever
 * crashed, retried or ran twice.
 */
function buildShardSchemas() {
  const seriesState = z.object({
    /** Counter: cumulative value. Gauge: last value. */
    v: z.number(),
    /** First minute counted (Unix seconds): the counter's creation time. */
    f: z.number(),
    /** Last minute that had data. */
    b: z.number(),
    /** "g" marks a gauge; counters omit it. */
    t: z.optional(z.literal("g")),
    /** Counters: the value of the last counted bucket (the minute `b`), for a push path. Gauges: `v` is it. */
    l: z.optional(z.number()),
  });
  const shardBody = z.object({
    series: z.record(z.string(), seriesState),
    /** Minutes skipped because they were beyond Cloudflare's lookback when fetched. */
    lostMinutes: z._default(z.number().check(z.int(), z.nonnegative()), 0),
    /** Samples of new series left out because their family reached its series cap, per family. */
    dropped: z._default(z.record(z.string(), z.number().check(z.int(), z.nonnegative())), {}),
    /** The scope label's value (the zone's name), so a zone that left the zone list keeps its name. */
    label: z.optional(z.string()),
  });
  const legacyItem = z.object({
    sk: z.string(),
    cursor: z.number(),
    start: z.number(),
    data: z.instanceof(Uint8Array),
  });
  return { seriesState, shardBody, legacyItem };
}

// Built at first use: a series state is only parsed from a format-1 item, which a table
// written by this format holds none of.
const shardSchemas = once(buildShardSchemas);
export type SeriesState = z.output<ReturnType<typeof buildShardSchemas>["seriesState"]>;

export interface Shard {
  group: string;
  scopeId: string;
  index: number;
  /** Every minute before this (Unix seconds) is counted. */
  cursor: number;
  /** First minute this shard counted. */
  start: number;
  series: Record<string, SeriesState>;
  lostMinutes: number;
  dropped: Record<string, number>;
  /** The zone's name (or the account's label) when the shard was last written. */
  label?: string;
  /** False until the first write: the condition then is "does not exist yet". */
  stored: boolean;
  /** The stored slice this shard was read from (the write's condition). */
  slice?: SliceRef;
}

export class ShardConflictError extends Error {}

/** A format-1 item (`SERIES#<group>#<scope>#<shard>`, one gzip'd JSON shard), decoded. */
export function decodeLegacy(raw: Record<string, unknown>): Shard {
  const item = shardSchemas().legacyItem.parse(raw);
  const [, group = "", scopeId = "", index = "0"] = item.sk.split("#");
  const body = shardSchemas().shardBody.parse(JSON.parse(gunzipSync(item.data).toString("utf8")));
  return {
    group,
    scopeId,
    index: Number(index),
    cursor: item.cursor,
    start: item.start,
    series: body.series,
    lostMinutes: body.lostMinutes,
    dropped: body.dropped,
    ...(body.label === undefined ? {} : { label: body.label }),
    stored: true,
  };
}

/** Shards of one slice, by group. */
export type SliceShards = Map<string, Shard>;

export interface SliceRef {
  scopeId: string;
  index: number;
  /** The last write applied (0: none in the current format yet). */
  seq: number;
  /** The write the full record holds. */
  fullSeq: number;
  shards: SliceShards;
  /** Items of earlier formats (1, 2) this slice is carried over from (deleted after its first write). */
  legacy: string[];
}
