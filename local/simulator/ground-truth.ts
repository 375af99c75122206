import { aggregate, type MapElement } from "./aggregate.ts";
import { datasets } from "./datasets.ts";
import { dimensionValue, groupCells, isTimeDimension } from "./query.ts";
import type { AttributeValue, Cell } from "./traffic/cell.ts";
import type { Scope, TrafficModel } from "./traffic/model.ts";
import type { World } from "./world.ts";

/**
 * The settled value of any quantity: what an exact exporter must have counted once the
 * data has settled. Computed from the traffic model directly, not through GraphQL, so it
 * is an independent reference for tests.
 */
export interface GroundTruthQuery {
  dataset: string;
  zoneTag?: string;
  accountTag?: string;
  /** An output field path: `count`, `sum.requests`, `sum.countryMap.requests`, `uniq.uniques`. */
  field: string;
  /** Dimension (or model attribute) values to keep; an array keeps any of its values. */
  where?: Readonly<Record<string, AttributeValue | readonly AttributeValue[]>>;
  /** Half-open range [from, to), Unix seconds. */
  from: number;
  to: number;
}

export function groundTruth(model: TrafficModel, world: World, query: GroundTruthQuery): number {
  const def = datasets.get(query.dataset);
  if (!def) throw new RangeError(`unknown dataset ${query.dataset}`);
  const scope = resolveScope(world, query);
  const cells = groupCells(model, {
    def,
    scope,
    filter: {},
    dimensionNames: [],
    start: query.from,
    end: query.to,
    now: Number.POSITIVE_INFINITY,
    settleSeconds: 0,
  }).flatMap((group) => group.cells);
  const kept = cells.filter((cell) => cell.time >= query.from && cell.time < query.to && matchesWhere(cell));

  function matchesWhere(cell: Cell): boolean {
    for (const [name, wanted] of Object.entries(query.where ?? {})) {
      const known = isTimeDimension(name) || (def as NonNullable<typeof def>).dimensions[name] !== undefined;
      const actual = known ? dimensionValue(def as NonNullable<typeof def>, cell, name) : cell.attrs[name];
      const accepted = (Array.isArray(wanted) ? wanted : [wanted]) as readonly AttributeValue[];
      if (!accepted.some((value) => String(value) === String(actual))) return false;
    }
    return true;
  }

  const direct = def.fields[query.field];
  if (direct) return toNumber(aggregate(direct, kept));
  // A field inside a map, e.g. sum.countryMap.requests: the sum over the map's elements.
  const cut = query.field.lastIndexOf(".");
  const map = def.fields[query.field.slice(0, cut)];
  if (map?.kind !== "map") throw new RangeError(`unknown field ${query.dataset}.${query.field}`);
  const elements = aggregate(map, kept) as MapElement[];
  const leaf = query.field.slice(cut + 1);
  return elements.reduce((total, element) => total + Number(element[leaf] ?? 0), 0);
}

function toNumber(value: ReturnType<typeof aggregate>): number {
  if (typeof value !== "number") throw new RangeError("ground truth is defined for numeric fields");
  return value;
}

function resolveScope(world: World, query: GroundTruthQuery): Scope {
  if (query.zoneTag) {
    const zone = world.zones.find((z) => z.id === query.zoneTag);
    if (!zone) throw new RangeError(`unknown zone ${query.zoneTag}`);
    return { kind: "zone", zone };
  }
  const account = world.accounts.find((a) => a.id === query.accountTag);
  if (!account) throw new RangeError(`unknown account ${String(query.accountTag)}`);
  return { kind: "account", account };
}
