import { expect } from "vitest";
import type { Simulator } from "../../../local/simulator/server.ts";
import type { Zone } from "../../../local/simulator/world.ts";
import type { OneMinute } from "../../collect/group-test.ts";

/**
 * Ground truth for the zone groups of any dataset, written independently of the groups'
 * mappings: a test names the
 * dimensions behind its labels and the filters behind its dataset node, and this walks the
 * simulator's traffic model for every combination of those dimensions.
 */
export type Where = Record<string, string | number | readonly (string | number)[]>;

export interface TruthRow {
  /** Dimension name → value, as the simulator writes it (`"403"`, `"US"`). */
  dims: Record<string, string>;
  /** Field path (`count`, `avg.rttMs`) → ground truth over the combination's events. */
  values: Record<string, number>;
}

export interface TruthQuery {
  dataset: string;
  zoneTag: string;
  from: number;
  to: number;
  where?: Where;
  /** Dimensions whose every combination with events gives one row. */
  by: readonly string[];
  fields: readonly string[];
}

/** One row per combination of `by` values that has events in [from, to) matching `where`. */
export function truthRows(simulator: Simulator, query: TruthQuery): TruthRow[] {
  const base = { dataset: query.dataset, zoneTag: query.zoneTag, from: query.from, to: query.to };
  const rows: TruthRow[] = [];
  const walk = (prefix: Record<string, string>, rest: readonly string[]) => {
    const where = { ...query.where, ...prefix };
    const [dimension, ...more] = rest;
    if (dimension === undefined) {
      const values = Object.fromEntries(
        query.fields.map((field) => [field, simulator.groundTruth({ ...base, field, where })]),
      );
      rows.push({ dims: prefix, values });
      return;
    }
    for (const value of simulator.groundTruthBy({ ...base, field: "count", where, by: dimension }).keys()) {
      walk({ ...prefix, [dimension]: value }, more);
    }
  };
  walk({}, query.by);
  return rows;
}

export { countMinutes } from "../../collect/group-test.ts";

export function zoneNamed(simulator: Simulator, name: string): Zone {
  const zone = simulator.world.zones.find((z) => z.name === name);
  if (!zone) throw new Error(`no zone ${name} in the world`);
  return zone;
}

const familyOf = (key: string) => (key.includes("{") ? key.slice(0, key.indexOf("{")) : key);

/** Every stored series of the given families, over all accounts of the world. */
export async function storedSeries(
  run: OneMinute,
  families: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const account of run.harness.simulator.world.accounts) {
    for (const [key, value] of await run.series(account.id)) {
      if (families.includes(familyOf(key))) out.set(key, value);
    }
  }
  return out;
}

/** Adds `value` to the expected series `key` (rows that land on one series add up). */
export function add(expected: Map<string, number>, key: string, value: number): void {
  expected.set(key, (expected.get(key) ?? 0) + value);
}

/**
 * Stored equals expected: the same keys, counters exactly, gauges to 9 decimals (a merged
 * mean is computed in a different order than the ground truth's).
 */
export function expectSameSeries(
  actual: ReadonlyMap<string, number>,
  expected: ReadonlyMap<string, number>,
  gauges: readonly string[] = [],
): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, value] of expected) {
    if (gauges.includes(familyOf(key))) expect(actual.get(key), key).toBeCloseTo(value, 9);
    else expect(actual.get(key), key).toBe(value);
  }
}

export function expectNoErrors(run: OneMinute): void {
  expect(run.summaries.flatMap((summary) => summary.errors)).toEqual([]);
}
