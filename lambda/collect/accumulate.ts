import {
  type AnyQueryGroup,
  type GaugeMerge,
  type MappingContext,
  type MetricType,
  statusClass,
} from "../catalogue/query-group.ts";
import { familyOfKey, seriesKeyWith } from "../catalogue/series-key.ts";
import { fnv1a } from "../lib/hash.ts";
import { listedInInsertionOrder, noteAdvance, oldestLastMinute, seriesKeys } from "../store/series-facts.ts";
import type { SeriesState, Shard } from "../store/shards.ts";
import { ruleLabel } from "./rule-names.ts";

/**
 * The pure core of exactly-once counting: rows → samples merged by final label set per
 * minute → shard state advanced over [cursor, to). No I/O; the fetcher feeds it and
 * stores what it returns.
 */
export interface MinuteSample {
  type: MetricType;
  value: number;
  /** The family, for per-family series caps. */
  family: string;
}
/** minute (Unix seconds) → series key → merged sample */
export type SamplesByMinute = Map<number, Map<string, MinuteSample>>;

export interface ScopeLabels {
  /** `zone` for zone groups, `account` for account groups. */
  name: "zone" | "account";
  value: string;
}

/** Label options applied before counting, so what is stored is what is exported. */
export interface LabelPolicy {
  excludeHost: boolean;
  httpStatusGroup: boolean;
  /** Firewall rule ID → readable name, for groups whose mapping asks for it. */
  ruleNames?: Readonly<Record<string, string>>;
}

export function mappingContext(policy: LabelPolicy): MappingContext {
  return {
    status: (code) => (policy.httpStatusGroup ? statusClass(code) : String(code)),
    ruleName: (ruleId) => ruleLabel(policy.ruleNames ?? {}, ruleId),
  };
}

/**
 * Rows → one merged sample per series and minute. Rows landing on the same series (after
 * the label policy) are merged here, before counting: counters add, gauges merge as their
 * spec says (a `mean` is weighted by each value's weight).
 */
export function samplesByMinute(
  group: AnyQueryGroup,
  rows: readonly unknown[],
  scope: ScopeLabels,
  policy: LabelPolicy = { excludeHost: false, httpStatusGroup: false },
): SamplesByMinute {
  const context = mappingContext(policy);
  const out: SamplesByMinute = new Map();
  // Each sample's weight so far, beside it: the samples returned are the ones merged into.
  const weights = new Map<number, Map<string, number>>();
  for (const row of rows) {
    const minute = group.minuteOf(row);
    let samples = out.get(minute);
    let weightOf = weights.get(minute);
    if (!samples || !weightOf) {
      samples = new Map();
      weightOf = new Map();
      out.set(minute, samples);
      weights.set(minute, weightOf);
    }
    for (const spec of group.series) {
      const how = spec.merge ?? "max";
      const type = spec.family.type;
      const family = spec.family.name;
      for (const { labels, value, weight = 1 } of spec.values(row, context)) {
        const shown = policy.excludeHost && "host" in labels ? withoutHost(labels) : labels;
        const key = seriesKeyWith(family, shown, scope.name, scope.value);
        const previous = samples.get(key);
        if (previous) {
          const total = (weightOf.get(key) ?? 0) + weight;
          previous.value = merged(type, how, previous.value, weightOf.get(key) ?? 0, value, weight, total);
          previous.type = type;
          previous.family = family;
          weightOf.set(key, total);
        } else {
          samples.set(key, { type, value, family });
          weightOf.set(key, weight);
        }
      }
    }
  }
  return out;
}

function withoutHost(labels: Readonly<Record<string, string>>): Record<string, string> {
  const { host: _host, ...rest } = labels;
  return rest;
}

/** Two samples of one series and minute as one: counters add, gauges merge as their spec says. */
function merged(
  type: MetricType,
  how: GaugeMerge,
  previous: number,
  previousWeight: number,
  value: number,
  weight: number,
  total: number,
): number {
  if (type === "counter" || how === "sum") return previous + value;
  if (how === "max") return Math.max(previous, value);
  if (how === "min") return Math.min(previous, value);
  return total > 0 ? (previous * previousWeight + value * weight) / total : previous;
}

export function shardOf(key: string, shards: number): number {
  return shards <= 1 ? 0 : fnv1a(key) % shards;
}

export interface AdvanceOptions {
  /** New cursor: every minute before it is counted once this shard is stored. */
  to: number;
  /** Minutes before this were beyond Cloudflare's lookback and are skipped (counted as lost). */
  from: number;
  shardCount: number;
  /** Series whose last data is older than `to - idleExpirySeconds` are dropped. */
  idleExpirySeconds: number;
  /** Most series one family may hold in this shard; samples of further new series are dropped and counted. */
  maxSeriesPerFamily?: number;
}

/**
 * The shard after counting every minute in [max(shard.cursor, from), to) exactly once.
 * Minutes the shard already counted are ignored, so applying the same samples again, or
 * samples fetched by an overlapping run, changes nothing. A shard no sample reaches and
 * none of whose series goes idle keeps its series object (never changed once held).
 */
export function advanceShard(shard: Shard, samples: SamplesByMinute, options: AdvanceOptions): Shard {
  if (options.to <= shard.cursor) return shard;
  const begin = Math.max(shard.cursor, options.from);
  const lost = Math.max(0, (Math.min(options.from, options.to) - shard.cursor) / 60);
  const idleBefore = options.to - options.idleExpirySeconds;
  let next: Advancing | undefined;
  const dropped: Record<string, number> = { ...shard.dropped };
  const cap = options.maxSeriesPerFamily ?? Number.POSITIVE_INFINITY;
  const minutes = [...samples.keys()].filter((m) => m >= begin && m < options.to).sort((a, b) => a - b);
  for (const minute of minutes) {
    for (const [key, sample] of samples.get(minute) ?? []) {
      if (shardOf(key, options.shardCount) !== shard.index) continue;
      next ??= advancing(shard.series);
      const { series } = next;
      const state = series[key];
      if (!state && !roomFor(next, sample.family, cap)) {
        dropped[sample.family] = (dropped[sample.family] ?? 0) + 1;
        continue;
      }
      // A series reached at more than one minute (a catch-up) is listed once, as what it was first.
      if (minutes.length === 1 || !next.listed.has(key)) {
        (state ? next.replaced : next.added).push(key);
        if (minutes.length > 1) next.listed.add(key);
      }
      if (minute < next.oldestLast) next.oldestLast = minute;
      if (sample.type === "gauge") {
        series[key] = { v: sample.value, f: state?.f ?? minute, b: minute, t: "g" };
      } else {
        series[key] = {
          v: (state?.v ?? 0) + sample.value,
          f: state?.f ?? minute,
          b: minute,
          l: sample.value,
        };
      }
    }
  }
  if (!next && oldestLastMinute(shard.series) < idleBefore) next = advancing(shard.series);
  if (next && next.oldestLast < idleBefore) withoutIdle(next, idleBefore);
  if (next) noteAdvanced(next, shard.series);
  return {
    ...shard,
    cursor: options.to,
    series: next?.series ?? shard.series,
    dropped,
    lostMinutes: shard.lostMinutes + (shard.index === 0 ? lost : 0),
  };
}

/** A shard's series being advanced: a copy, its keys before and those added, per family once it matters. */
interface Advancing {
  series: Record<string, SeriesState>;
  keys: readonly string[];
  added: string[];
  /** Keys whose state this advance replaced; each key once in these two (`listed` when it spans minutes). */
  replaced: string[];
  listed: Set<string>;
  count: number;
  oldestLast: number;
  /** Whether idle series were dropped. */
  dropped: boolean;
  perFamily?: Map<string, number>;
}

/** What the next steps (the delta, the write's checks) would otherwise find by a pass over every series. */
function noteAdvanced(next: Advancing, previous: Readonly<Record<string, SeriesState>>): void {
  const listed = !next.dropped && next.added.every(listedInInsertionOrder);
  noteAdvance(next.series, previous, {
    oldestLast: next.oldestLast,
    replaced: next.replaced,
    ...(listed ? { keys: next.added.length > 0 ? next.keys.concat(next.added) : next.keys } : {}),
  });
}

/**
 * Whether a new series of `family` has room (and if so, counts it). Series per family are
 * counted only once the shard holds as many series as the cap: below it, no family can
 * have reached it.
 */
function roomFor(next: Advancing, family: string, cap: number): boolean {
  if (next.count >= cap) next.perFamily ??= familyCounts(next.series);
  if (next.perFamily) {
    const held = next.perFamily.get(family) ?? 0;
    if (held >= cap) return false;
    next.perFamily.set(family, held + 1);
  }
  next.count += 1;
  return true;
}

/** Drops the series whose last data is older than `idleBefore`. */
function withoutIdle(next: Advancing, idleBefore: number): void {
  let oldestLast = Number.POSITIVE_INFINITY;
  for (const key in next.series) {
    const { b } = next.series[key] as SeriesState;
    if (b < idleBefore) {
      delete next.series[key];
      next.count -= 1;
      next.dropped = true;
    } else if (b < oldestLast) oldestLast = b;
  }
  next.oldestLast = oldestLast;
}

function familyCounts(series: Readonly<Record<string, SeriesState>>): Map<string, number> {
  const perFamily = new Map<string, number>();
  for (const key in series) {
    const family = familyOfKey(key);
    perFamily.set(family, (perFamily.get(family) ?? 0) + 1);
  }
  return perFamily;
}

/**
 * A copy of a shard's series, in the same key order (deltas refer to series by position).
 * A key-by-key copy: spreading an object of thousands of keys took four times as long,
 * and was most of a steady minute's CPU at 100 zones; its keys as listed once for it.
 */
function advancing(series: Readonly<Record<string, SeriesState>>): Advancing {
  const copy: Record<string, SeriesState> = {};
  const keys = seriesKeys(series);
  let oldestLast = Number.POSITIVE_INFINITY;
  for (const key of keys) {
    const state = series[key] as SeriesState;
    copy[key] = state;
    if (state.b < oldestLast) oldestLast = state.b;
  }
  return {
    series: copy,
    keys,
    added: [],
    replaced: [],
    listed: new Set(),
    count: keys.length,
    oldestLast,
    dropped: false,
  };
}
