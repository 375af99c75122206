import { fnv1a } from "../lib/hash.ts";
import type { SeriesState, Shard } from "../store/shards.ts";
import type { AnyQueryGroup, GaugeMerge, MetricType } from "./query-group.ts";
import { seriesKey } from "./series-key.ts";

/**
 * The pure core of exactly-once counting: rows → samples merged by final label set per
 * minute → shard state advanced over [cursor, to). No I/O; the fetcher feeds it and
 * stores what it returns.
 */
export interface MinuteSample {
  type: MetricType;
  value: number;
}
/** minute (Unix seconds) → series key → merged sample */
export type SamplesByMinute = Map<number, Map<string, MinuteSample>>;

export interface ScopeLabels {
  /** `zone` for zone groups, `account` for account groups. */
  name: "zone" | "account";
  value: string;
}

export function samplesByMinute(
  group: AnyQueryGroup,
  rows: readonly unknown[],
  scope: ScopeLabels,
): SamplesByMinute {
  const out: SamplesByMinute = new Map();
  for (const row of rows) {
    const minute = group.minuteOf(row);
    let samples = out.get(minute);
    if (!samples) {
      samples = new Map();
      out.set(minute, samples);
    }
    for (const spec of group.series) {
      for (const { labels, value } of spec.values(row)) {
        const key = seriesKey(spec.family.name, { ...labels, [scope.name]: scope.value });
        const previous = samples.get(key);
        samples.set(key, {
          type: spec.family.type,
          value: merge(spec.family.type, spec.merge ?? "last", previous?.value, value),
        });
      }
    }
  }
  return out;
}

function merge(type: MetricType, how: GaugeMerge, previous: number | undefined, value: number): number {
  if (previous === undefined) return value;
  if (type === "counter" || how === "sum") return previous + value;
  return how === "max" ? Math.max(previous, value) : value;
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
  const series: Record<string, SeriesState> = { ...shard.series };
  const minutes = [...samples.keys()].filter((m) => m >= begin && m < options.to).sort((a, b) => a - b);
  for (const minute of minutes) {
    for (const [key, sample] of samples.get(minute) ?? []) {
      if (shardOf(key, options.shardCount) !== shard.index) continue;
      const state = series[key];
      if (sample.type === "gauge") {
        series[key] = { v: sample.value, f: state?.f ?? minute, b: minute, t: "g" };
      } else {
        series[key] = { v: (state?.v ?? 0) + sample.value, f: state?.f ?? minute, b: minute };
      }
    }
  }
  const idleBefore = options.to - options.idleExpirySeconds;
  for (const [key, state] of Object.entries(series)) if (state.b < idleBefore) delete series[key];
  return {
    ...shard,
    cursor: options.to,
    series,
    lostMinutes: shard.lostMinutes + (shard.index === 0 ? lost : 0),
  };
}
