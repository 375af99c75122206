import type { Simulator } from "../../../local/simulator/server.ts";
import type { TruthRow, Where } from "./zone-dataset-truth.ts";

/**
 * Ground truth for account-scoped datasets, independent of any group's mapping: one row per
 * combination of `by` values that has events in [from, to) matching `where`, with each
 * field's settled value. Combinations are found through `count` or, for datasets without
 * it, through `probe`.
 */
export function accountTruthRows(
  simulator: Simulator,
  query: {
    dataset: string;
    accountTag: string;
    from: number;
    to: number;
    by: readonly string[];
    fields: readonly string[];
    probe?: string;
    where?: Where;
  },
): TruthRow[] {
  const base = { dataset: query.dataset, accountTag: query.accountTag, from: query.from, to: query.to };
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
    const found = simulator.groundTruthBy({ ...base, field: query.probe ?? "count", where, by: dimension });
    for (const value of found.keys()) walk({ ...prefix, [dimension]: value }, more);
  };
  walk({}, query.by);
  return rows;
}
