import type { Simulator } from "../../../local/simulator/server.ts";
import { defaultWorldSpec, type WorldSpec } from "../../../local/simulator/world.ts";
import type { OneMinute } from "../../collect/group-test.ts";
import {
  expectNoErrors,
  expectSameSeries,
  type TruthQuery as GenericQuery,
  truthRows as rowsOfDataset,
  storedSeries,
  type TruthRow,
  type Where,
} from "./zone-dataset-truth.ts";

/**
 * Ground truth for the httpRequestsAdaptiveGroups groups, written independently of their
 * mappings: each test names the dimensions behind its labels and the filters behind its
 * dataset node, and this walks the simulator's traffic model for every combination.
 */
const dataset = "httpRequestsAdaptiveGroups";

export type { TruthRow, Where };

export type TruthQuery = Omit<GenericQuery, "dataset">;

/** One row per combination of `by` values that has requests in [from, to) matching `where`. */
export function truthRows(simulator: Simulator, query: TruthQuery): TruthRow[] {
  return rowsOfDataset(simulator, { ...query, dataset });
}

/** A field's ground truth over the zone's requests in [from, to) matching `where`. */
export function truthOf(
  simulator: Simulator,
  query: { zoneTag: string; from: number; to: number; where?: Where; field: string },
): number {
  return simulator.groundTruth({ dataset, ...query, ...(query.where ? { where: query.where } : {}) });
}

/** Every value a dimension takes in the zone's requests in [from, to). */
export function valuesOf(
  simulator: Simulator,
  query: { zoneTag: string; from: number; to: number; dimension: string },
): string[] {
  return [
    ...simulator
      .groundTruthBy({
        dataset,
        zoneTag: query.zoneTag,
        from: query.from,
        to: query.to,
        field: "count",
        by: query.dimension,
      })
      .keys(),
  ];
}

/**
 * The default world with its free zone `example.org` as busy as the enterprise zone, so
 * one minute of it has requests in every breakdown (a quiet free zone could have no
 * origin errors at all in the counted minute and make its check vacuous).
 */
export const busyFreeZoneWorld: WorldSpec = {
  ...defaultWorldSpec,
  accounts: defaultWorldSpec.accounts.map((account) => ({
    ...account,
    zones: (account.zones ?? []).map((zone) =>
      zone.name === "example.org" ? { ...zone, requestsPerMinute: 12_000 } : zone,
    ),
  })),
};

/** The keys of one zone (its `zone` label) among `series`, optionally of one family. */
export function ofZone(series: ReadonlyMap<string, number>, zoneName: string, family?: string): string[] {
  return [...series.keys()].filter(
    (key) => key.includes(`zone="${zoneName}"`) && (family === undefined || key.startsWith(`${family}{`)),
  );
}

/**
 * How many of the zone's rows in the counted minute (one per combination of `by`) an option
 * must merge into another: rows minus distinct label sets, where `label` is the label set
 * the option leaves of a row. 0 means the option merges nothing there.
 */
export function mergedRows(
  run: OneMinute,
  zoneName: string,
  by: readonly string[],
  label: (dims: Record<string, string>) => string,
  where: Where = {},
): number {
  const simulator = run.harness.simulator;
  const zone = simulator.world.zones.find((z) => z.name === zoneName);
  if (!zone) throw new RangeError(`no zone ${zoneName}`);
  const rows = truthRows(simulator, { zoneTag: zone.id, from: run.from, to: run.to, where, by, fields: [] });
  return rows.length - new Set(rows.map(({ dims }) => label(dims))).size;
}

export { expectNoErrors, expectSameSeries, storedSeries };
