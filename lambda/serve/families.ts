import { queryGroups } from "../catalogue/groups/index.ts";
import { exposedType, type MetricFamily } from "../catalogue/query-group.ts";
import { snapshotGroups } from "../catalogue/snapshots/index.ts";
import type { Config } from "../config/config.ts";
import type { Family, StoredSeries } from "../exposition/model.ts";
import type { Shard } from "../store/shards.ts";
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
  // Each family's parts in the order they come; null: a family left out (unknown or denied).
  const byName = new Map<string, Part[] | null>();
  const partsOf = (name: string): Part[] | null => {
    const seen = byName.get(name);
    if (seen !== undefined) return seen;
    const known = registry.get(name);
    let parts: Part[] | null = null;
    if (known && !denied.has(name)) {
      families.set(
        name,
        families.get(name) ?? { name, help: known.help, type: exposedType(known), samples: [] },
      );
      parts = [];
    }
    byName.set(name, parts);
    return parts;
  };
  for (const account of state.accounts)
    for (const columns of account.columns ?? account.shards.map(seriesColumns))
      for (const [name, start, end] of runsOf(columns.keys)) partsOf(name)?.push([columns, start, end]);
  for (const [name, parts] of byName) {
    const family = families.get(name);
    if (family && parts) family.stored = gathered(parts);
  }
  selfMetrics(state, config, build, add);
  if (nowMs !== undefined) dataAges(state, nowMs / 1000, add);
  return [...families.values()];
}

/** A family's series in one shard: its columns, the first and the one after the last. */
type Part = readonly [columns: StoredSeries, start: number, end: number];

/** A family's parts in one set of columns, sized once (values and starts as doubles, not an array of numbers). */
function gathered(parts: readonly Part[]): StoredSeries {
  let count = 0;
  for (const [, start, end] of parts) count += end - start;
  const keys = new Array<string>(count);
  const values = new Float64Array(count);
  const created = new Float64Array(count);
  let at = 0;
  for (const [columns, start, end] of parts)
    for (let i = start; i < end; i++, at++) {
      keys[at] = columns.keys[i] as string;
      values[at] = columns.values[i] as number;
      created[at] = columns.created[i] as number;
    }
  return { keys, values, created };
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

/** A family's series one after another in a shard's keys: the family's name, the first and the one after the last. */
type Run = readonly [name: string, start: number, end: number];

/** The runs of one family's series in a shard's keys (a family's name is its key up to the labels). */
function runsOf(keys: readonly string[]): Run[] {
  const runs: Run[] = [];
  let name = "";
  let start = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const brace = key.indexOf("{");
    const length = brace < 0 ? key.length : brace;
    if (i > 0 && length === name.length && key.startsWith(name)) continue;
    if (i > 0) runs.push([name, start, i]);
    name = key.slice(0, length);
    start = i;
  }
  if (keys.length > 0) runs.push([name, start, keys.length]);
  return runs;
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
