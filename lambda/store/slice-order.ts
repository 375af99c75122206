import { advancedInOrder, replacedByPosition, seriesCount, seriesKeys } from "./series-facts.ts";
import type { SeriesState, Shard, SliceShards } from "./shard.ts";

/**
 * What one slice write (slices.ts `writeSlice`) stores and reports: its shards in the
 * order every reader of the stored chain rebuilds them in, and the series it advanced.
 */

export interface AdvancedSeries {
  group: string;
  scopeId: string;
  key: string;
  state: SeriesState;
}

export function advancedSeries(before: SliceShards, after: readonly Shard[]): AdvancedSeries[] {
  const out: AdvancedSeries[] = [];
  for (const shard of after) {
    const prior = before.get(shard.group)?.series ?? {};
    // A shard that kept its series object advanced none of them.
    if (prior === shard.series) continue;
    const push = (key: string) => {
      const state = shard.series[key] as SeriesState;
      const was = prior[key];
      if (was !== state && (was?.b !== state.b || was?.v !== state.v))
        out.push({ group: shard.group, scopeId: shard.scopeId, key, state });
    };
    const keys = seriesKeys(shard.series);
    // Advanced in order with none dropped: the series it replaced, then the new ones after the others.
    const replaced = replacedByPosition(shard.series, prior);
    if (replaced) {
      for (const [, key] of replaced) push(key);
      for (let i = seriesCount(prior); i < keys.length; i++) push(keys[i] as string);
    } else for (const key of keys) push(key);
  }
  return out;
}

/**
 * The shard with its series in the order a reader rebuilds it from the delta: the series
 * it held before, in their order, then the new ones. Deltas name series by position, so
 * the state a writer keeps (and the full record it folds) must have the order every reader
 * of the stored chain has, whatever order the caller built `next` in.
 */
export function inStoredOrder(previous: Shard | undefined, next: Shard): Shard {
  if (!previous || startsInStoredOrder(previous, next)) return next;
  const series: Record<string, SeriesState> = {};
  for (const key in previous.series) {
    const state = next.series[key];
    if (state) series[key] = state;
  }
  for (const key in next.series) if (!(key in series)) series[key] = next.series[key] as SeriesState;
  return { ...next, series };
}

/**
 * Whether `next` already lists `previous`'s series first, in their order: the fetcher
 * advances shards key by key in stored order (and says so: series-facts.ts), so its
 * shards pass without a second copy or a check of every key.
 */
function startsInStoredOrder(previous: Shard, next: Shard): boolean {
  if (advancedInOrder(next.series, previous.series)) return true;
  const nextKeys = seriesKeys(next.series);
  let position = 0;
  for (const key in previous.series) {
    if (nextKeys[position] !== key) return false;
    position++;
  }
  return true;
}
