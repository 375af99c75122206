import {
  type AnyQueryGroup,
  type GaugeMerge,
  type MappingContext,
  type MetricType,
  statusClass,
} from "../catalogue/query-group.ts";
import { familyOfKey, seriesKey } from "../catalogue/series-key.ts";
import { fnv1a } from "../lib/hash.ts";
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
  const merging = new Map<number, Map<string, MinuteSample & { weight: number; how: GaugeMerge }>>();
  for (const row of rows) {
    const minute = group.minuteOf(row);
    let samples = merging.get(minute);
    if (!samples) {
      samples = new Map();
      merging.set(minute, samples);
    }
    for (const spec of group.series) {
      const how = spec.merge ?? "max";
      for (const { labels, value, weight = 1 } of spec.values(row, context)) {
        const shown = policy.excludeHost && "host" in labels ? withoutHost(labels) : labels;
        const key = seriesKey(spec.family.name, { ...shown, [scope.name]: scope.value });
        const previous = samples.get(key);
        const type = spec.family.type;
        samples.set(
          key,
          previous
            ? { ...merge(type, how, previous, value, weight), type, family: spec.family.name, how }
            : { type, value, weight, family: spec.family.name, how },
        );
      }
    }
  }
  const out: SamplesByMinute = new Map();
  for (const [minute, samples] of merging) {
    out.set(
      minute,
      new Map([...samples].map(([key, { type, value, family }]) => [key, { type, value, family }])),
    );
  }
  return out;
}

function withoutHost(labels: Readonly<Record<string, string>>): Record<string, string> {
  const { host: _host, ...rest } = labels;
  return rest;
}

function merge(
  type: MetricType,
  how: GaugeMerge,
  previous: { value: number; weight: number },
  value: number,
  weight: number,
): { value: number; weight: number } {
  const total = previous.weight + weight;
  if (type === "counter" || how === "sum") return { value: previous.value + value, weight: total };
  if (how === "max") return { value: Math.max(previous.value, value), weight: total };
  if (how === "min") return { value: Math.min(previous.value, value), weight: total };
  return {
    value: total > 0 ? (previous.value * previous.weight + value * weight) / total : previous.value,
    weight: total,
  };
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
 * samples fetched by an overlapping run, changes nothing.
 */
export function advanceShard(shard: Shard, samples: SamplesByMinute, options: AdvanceOptions): Shard {
  if (options.to <= shard.cursor) return shard;
  const begin = Math.max(shard.cursor, options.from);
  const lost = Math.max(0, (Math.min(options.from, options.to) - shard.cursor) / 60);
  const series = copyOf(shard.series);
  const dropped: Record<string, number> = { ...shard.dropped };
  const cap = options.maxSeriesPerFamily ?? Number.POSITIVE_INFINITY;
  // Series per family, counted only when a new series asks for room (most minutes bring none).
  let perFamily: Map<string, number> | undefined;
  const minutes = [...samples.keys()].filter((m) => m >= begin && m < options.to).sort((a, b) => a - b);
  for (const minute of minutes) {
    for (const [key, sample] of samples.get(minute) ?? []) {
      if (shardOf(key, options.shardCount) !== shard.index) continue;
      const state = series[key];
      if (!state) {
        perFamily ??= familyCounts(series);
        const held = perFamily.get(sample.family) ?? 0;
        if (held >= cap) {
          dropped[sample.family] = (dropped[sample.family] ?? 0) + 1;
          continue;
        }
        perFamily.set(sample.family, held + 1);
      }
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
  const idleBefore = options.to - options.idleExpirySeconds;
  for (const key in series) if ((series[key] as SeriesState).b < idleBefore) delete series[key];
  return {
    ...shard,
    cursor: options.to,
    series,
    dropped,
    lostMinutes: shard.lostMinutes + (shard.index === 0 ? lost : 0),
  };
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
 * and was most of a steady minute's CPU at 100 zones.
 */
function copyOf(series: Readonly<Record<string, SeriesState>>): Record<string, SeriesState> {
  const copy: Record<string, SeriesState> = {};
  for (const key in series) copy[key] = series[key] as SeriesState;
  return copy;
}
