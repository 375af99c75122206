import { aggregate, type MapElement } from "./aggregate.ts";
import { type DatasetDef, datasets } from "./datasets.ts";
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
  const def = datasetOf(query.dataset);
  return fieldValue(def, query.field, settledCells(model, world, def, query));
}

/**
 * The settled value of `field` for every value of `by` (a dimension or model attribute)
 * in one pass: `{US: 1234, DE: 567, ...}`. Equal to calling groundTruth once per value.
 */
export function groundTruthBy(
  model: TrafficModel,
  world: World,
  query: GroundTruthQuery & { by: string },
): Map<string, number> {
  const def = datasetOf(query.dataset);
  const groups = new Map<string, Cell[]>();
  for (const cell of settledCells(model, world, def, query)) {
    const key = String(attributeOf(def, cell, query.by));
    const group = groups.get(key);
    if (group) group.push(cell);
    else groups.set(key, [cell]);
  }
  return new Map([...groups].map(([key, cells]) => [key, fieldValue(def, query.field, cells)]));
}

function datasetOf(name: string): DatasetDef {
  const def = datasets.get(name);
  if (!def) throw new RangeError(`unknown dataset ${name}`);
  return def;
}

function attributeOf(def: DatasetDef, cell: Cell, name: string): AttributeValue | undefined {
  const known = isTimeDimension(name) || def.dimensions[name] !== undefined;
  return known ? dimensionValue(def, cell, name) : cell.attrs[name];
}

function settledCells(model: TrafficModel, world: World, def: DatasetDef, query: GroundTruthQuery): Cell[] {
  const cells = groupCells(model, {
    def,
    scope: resolveScope(world, query),
    filter: {},
    dimensionNames: [],
    start: query.from,
    end: query.to,
    now: Number.POSITIVE_INFINITY,
    settleSeconds: 0,
  }).flatMap((group) => group.cells);
  return cells.filter((cell) => {
    if (cell.time < query.from || cell.time >= query.to) return false;
    for (const [name, wanted] of Object.entries(query.where ?? {})) {
      const actual = attributeOf(def, cell, name);
      const accepted = (Array.isArray(wanted) ? wanted : [wanted]) as readonly AttributeValue[];
      if (!accepted.some((value) => String(value) === String(actual))) return false;
    }
    return true;
  });
}

function fieldValue(def: DatasetDef, field: string, cells: readonly Cell[]): number {
  const direct = def.fields[field];
  if (direct) return toNumber(aggregate(direct, cells));
  // A field inside a map, e.g. sum.countryMap.requests: the sum over the map's elements.
  const cut = field.lastIndexOf(".");
  const map = def.fields[field.slice(0, cut)];
  if (map?.kind !== "map") throw new RangeError(`unknown field ${def.name}.${field}`);
  const elements = aggregate(map, cells) as MapElement[];
  const leaf = field.slice(cut + 1);
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
