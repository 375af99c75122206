import { queryGroups } from "../catalogue/groups/index.ts";
import { exposedType, type MetricFamily } from "../catalogue/query-group.ts";
import { snapshotGroups } from "../catalogue/snapshots/index.ts";
import type { Config } from "../config/config.ts";
import type { Family, StoredSeries } from "../exposition/model.ts";
import type { Shard } from "../store/shards.ts";
import { gatherSeries } from "./gather-series.ts";
import { type Add, type BuildInfo, dataAges, selfMetrics } from "./self-families.ts";
import type { StoredState } from "./state.ts";

export type { BuildInfo } from "./self-families.ts";
export { configErrorsFamily } from "./self-families.ts";

/**
 * Stored state → metric families: the collected series (with the output options applied)
 * and the exporter's own metrics (self-families.ts). Pure: state, config and time in,
 * families out.
 */

export const knownFamilies: ReadonlyMap<string, MetricFamily> = new Map<string, MetricFamily>([
  ...queryGroups.flatMap((group) => group.series.map((spec) => [spec.family.name, spec.family] as const)),
  ...snapshotGroups.flatMap((group) => group.families.map((family) => [family.name, family] as const)),
]);

export function buildFamilies(
  state: StoredState,
  config: Config,
  build: BuildInfo,
  registry: ReadonlyMap<string, MetricFamily> = knownFamilies,
  /** The scrape's time (Unix ms), for the data age; without it no data age is exported. */
  nowMs?: number,
): Family[] {
  const { families, add } = collector(config);
  const denied = new Set(config.metricsDenylist);
  // The stored key is the sample's text (name and sorted, escaped labels): it is printed
  // as it is. Label options (EXCLUDE_HOST, status classes) were applied before counting:
  // what is stored is what is exported, one series per key.
  // Families numbered as they come; -1: left out (unknown or denied).
  const numbered = new Map<string, number>();
  const withSeries: Family[] = [];
  const familyOf = (name: string): number => {
    const seen = numbered.get(name);
    if (seen !== undefined) return seen;
    const known = registry.get(name);
    let number = -1;
    if (known && !denied.has(name)) {
      const family = families.get(name) ?? { name, help: known.help, type: exposedType(known), samples: [] };
      families.set(name, family);
      number = withSeries.push(family) - 1;
    }
    numbered.set(name, number);
    return number;
  };
  const shards = state.accounts.flatMap((account) => account.columns ?? account.shards.map(seriesColumns));
  gatherSeries(shards, familyOf).forEach((stored, number) => {
    const family = withSeries[number];
    if (family && stored) family.stored = stored;
  });
  selfMetrics(state, config, build, add);
  if (nowMs !== undefined) dataAges(state, nowMs / 1000, add);
  return [...families.values()];
}

/** A shard's series (held as objects: a state built in memory) in columns. */
function seriesColumns(shard: Shard): StoredSeries {
  const states = Object.values(shard.series);
  return {
    keys: Object.keys(shard.series),
    values: states.map((state) => state.v),
    created: states.map((state) => state.f),
  };
}

/** The exporter's own metrics alone, exactly as the scrape serves them (the push sends the same). */
export function exporterFamilies(state: StoredState, config: Config, build: BuildInfo): Family[] {
  const { families, add } = collector(config);
  selfMetrics(state, config, build, add);
  return [...families.values()];
}

/** Families by name; METRICS_DENYLIST applies on the way in. */
function collector(config: Config): { families: Map<string, Family>; add: Add } {
  const families = new Map<string, Family>();
  const add: Add = (name, help, type, sample) => {
    if (config.metricsDenylist.includes(name)) return;
    const family = families.get(name) ?? { name, help, type, samples: [] };
    family.samples.push(sample);
    families.set(name, family);
  };
  return { families, add };
}
