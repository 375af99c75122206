import { aggregate, toTime } from "./aggregate.ts";
import type { DatasetDef } from "./datasets.ts";
import { SimulatorUnsupportedError } from "./errors.ts";
import { type AttributeValue, type Cell, settleCell } from "./traffic/cell.ts";
import type { Scope, TrafficModel } from "./traffic/model.ts";

/** Filters as GraphQL hands them over: field/operator keys, with AND/OR lists. */
export type Filter = { readonly [key: string]: unknown };

export interface Group {
  dims: Record<string, AttributeValue>;
  cells: Cell[];
}

/** Width in seconds of each time dimension's bucket. */
const timeBuckets: Readonly<Record<string, number>> = {
  datetime: 1,
  datetimeMinute: 60,
  datetimeFiveMinutes: 300,
  datetimeFifteenMinutes: 900,
  datetimeHalfOfHour: 1_800,
  datetimeHour: 3_600,
  datetimeSixHours: 21_600,
  datetimeDay: 86_400,
  date: 86_400,
};

export function isTimeDimension(name: string): boolean {
  return name in timeBuckets;
}

/** A time dimension's bucket start in Unix seconds (what `dimensionValue` prints). */
function timeSeconds(def: DatasetDef, cell: Cell, name: string, bucket: number): number {
  const seconds = name === "datetime" && !def.eventTime ? cell.minute : cell.time;
  return Math.floor(seconds / bucket) * bucket;
}

export function dimensionValue(def: DatasetDef, cell: Cell, name: string): AttributeValue {
  const bucket = timeBuckets[name];
  if (bucket !== undefined) {
    const start = timeSeconds(def, cell, name, bucket);
    return name === "date" ? toTime(start).slice(0, 10) : toTime(start);
  }
  const source = def.dimensions[name];
  const value =
    typeof source === "function" ? source(cell) : source === undefined ? undefined : cell.attrs[source];
  if (value === undefined) throw new SimulatorUnsupportedError(`dimension ${def.name}.${name}`);
  return value;
}

const operators = ["geq", "gt", "leq", "lt", "neq", "in", "notin", "like", "notlike"] as const;
type Operator = (typeof operators)[number] | "eq";

export function splitFilterKey(key: string): [field: string, operator: Operator] {
  const at = key.lastIndexOf("_");
  const suffix = key.slice(at + 1);
  const operator = operators.find((op) => op === suffix);
  return at > 0 && operator ? [key.slice(0, at), operator] : [key, "eq"];
}

const parsedTimes = new Map<string, number>();

function parseTime(value: unknown): number {
  if (typeof value === "number") return value;
  const text = String(value);
  const known = parsedTimes.get(text);
  if (known !== undefined) return known;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new TypeError(`invalid time ${text}`);
  if (parsedTimes.size > 100_000) parsedTimes.clear();
  parsedTimes.set(text, ms / 1000);
  return ms / 1000;
}

function compareValues(actual: AttributeValue, expected: unknown, time: boolean): number {
  if (time) return parseTime(actual) - parseTime(expected);
  if (typeof actual === "number") return actual - Number(expected);
  return String(actual) < String(expected) ? -1 : String(actual) > String(expected) ? 1 : 0;
}

function likePattern(pattern: unknown): RegExp {
  const escaped = String(pattern)
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replaceAll("%", ".*");
  return new RegExp(`^${escaped}$`, "s");
}

export function matchesFilter(def: DatasetDef, cell: Cell, filter: Filter): boolean {
  for (const [key, expected] of Object.entries(filter)) {
    if (expected === undefined || expected === null) continue;
    if (key === "AND") {
      if (!(expected as Filter[]).every((sub) => matchesFilter(def, cell, sub))) return false;
      continue;
    }
    if (key === "OR") {
      if (!(expected as Filter[]).some((sub) => matchesFilter(def, cell, sub))) return false;
      continue;
    }
    const [field, operator] = splitFilterKey(key);
    const bucket = timeBuckets[field];
    const time = bucket !== undefined;
    // Times compare as numbers: no round trip through their text form for every cell.
    const actual =
      time && field !== "date" ? timeSeconds(def, cell, field, bucket) : dimensionValue(def, cell, field);
    const ok = (() => {
      switch (operator) {
        case "eq":
          return compareValues(actual, expected, time) === 0;
        case "neq":
          return compareValues(actual, expected, time) !== 0;
        case "gt":
          return compareValues(actual, expected, time) > 0;
        case "geq":
          return compareValues(actual, expected, time) >= 0;
        case "lt":
          return compareValues(actual, expected, time) < 0;
        case "leq":
          return compareValues(actual, expected, time) <= 0;
        case "in":
          return (expected as unknown[]).some((item) => compareValues(actual, item, time) === 0);
        case "notin":
          return !(expected as unknown[]).some((item) => compareValues(actual, item, time) === 0);
        case "like":
          return likePattern(expected).test(String(actual));
        case "notlike":
          return !likePattern(expected).test(String(actual));
      }
    })();
    if (!ok) return false;
  }
  return true;
}

/**
 * The time range a filter asks for, in Unix seconds: the latest lower bound and the
 * earliest upper bound on any time dimension, at the top level or inside `AND`.
 * Bounds under `OR` are not used (the range is then what the other bounds give).
 */
export function timeRange(filter: Filter): { start: number | undefined; end: number | undefined } {
  let start: number | undefined;
  let end: number | undefined;
  const raise = (value: number) => {
    start = start === undefined ? value : Math.max(start, value);
  };
  const lower = (value: number) => {
    end = end === undefined ? value : Math.min(end, value);
  };
  const visit = (node: Filter) => {
    for (const [key, value] of Object.entries(node)) {
      if (value === undefined || value === null) continue;
      if (key === "AND") {
        for (const sub of value as Filter[]) visit(sub);
        continue;
      }
      const [field, operator] = splitFilterKey(key);
      const bucket = timeBuckets[field];
      if (bucket === undefined) continue;
      const at = parseTime(value);
      if (operator === "geq") raise(at);
      else if (operator === "gt") raise(at + bucket);
      else if (operator === "lt") lower(at);
      else if (operator === "leq") lower(at + bucket);
      else if (operator === "eq") {
        raise(at);
        lower(at + Math.max(bucket, 60));
      }
    }
  };
  visit(filter);
  return { start, end };
}

/** How far a minute has settled at `now`: from nothing at its start to final after the lag. */
export function settledFraction(minuteStart: number, now: number, settleSeconds: number): number {
  return Math.min(1, Math.max(0, (now - minuteStart) / (60 + settleSeconds)));
}

export interface DatasetQuery {
  def: DatasetDef;
  scope: Scope;
  filter: Filter;
  /** Dimensions the query selected: each distinct combination is one row. */
  dimensionNames: readonly string[];
  start: number;
  end: number;
  /** Unix seconds; `Infinity` reads every minute as settled (ground truth). */
  now: number;
  settleSeconds: number;
}

/** The rows of a dataset query, before ordering and `limit`. */
export function groupCells(model: TrafficModel, query: DatasetQuery): Group[] {
  const { def, scope, filter, now } = query;
  const groups = new Map<string, Group>();
  const last = Math.min(query.end, now);
  for (let minute = Math.floor(query.start / 60) * 60; minute < last; minute += 60) {
    const fraction = settledFraction(minute, now, query.settleSeconds);
    if (fraction <= 0) continue;
    for (const raw of model.cells(def.source, scope, minute)) {
      if (raw.time > now || (def.include && !def.include(raw))) continue;
      const cell = settleCell(raw, fraction);
      if (!cell || !matchesFilter(def, cell, filter)) continue;
      const dims: Record<string, AttributeValue> = {};
      for (const name of query.dimensionNames) dims[name] = dimensionValue(def, cell, name);
      const key = JSON.stringify(query.dimensionNames.map((name) => dims[name]));
      const group = groups.get(key);
      if (group) group.cells.push(cell);
      else groups.set(key, { dims, cells: [cell] });
    }
  }
  return [...groups.values()];
}

const aggregateSections = ["sum", "avg", "uniq", "quantiles", "max", "min", "ratio"];

/** Sorts rows by `orderBy` values such as `datetimeMinute_ASC` or `sum_requests_DESC`. */
export function orderGroups(
  def: DatasetDef,
  groups: Group[],
  orderBy: readonly string[],
  selected: readonly string[],
): Group[] {
  const keys = orderBy.map((entry) => {
    const match = /^(.+)_(ASC|DESC)$/.exec(entry);
    if (!match?.[1]) throw new SimulatorUnsupportedError(`orderBy ${entry}`);
    const path = match[1];
    const direction = match[2] === "DESC" ? -1 : 1;
    const section = aggregateSections.find((s) => path.startsWith(`${s}_`));
    if (path === "count" || section) {
      const field = path === "count" ? "count" : `${section}.${path.slice((section?.length ?? 0) + 1)}`;
      const aggregator = def.fields[field];
      if (!aggregator) throw new SimulatorUnsupportedError(`orderBy on ${def.name}.${field}`);
      return { direction, value: (group: Group) => aggregate(aggregator, group.cells) };
    }
    if (!selected.includes(path)) {
      throw new SimulatorUnsupportedError(`orderBy on dimension ${path} that the query does not select`);
    }
    return { direction, value: (group: Group) => group.dims[path] };
  });
  if (keys.length === 0) return groups;
  return [...groups].sort((a, b) => {
    for (const key of keys) {
      const x = key.value(a);
      const y = key.value(b);
      if (x === y) continue;
      return (
        (typeof x === "number" && typeof y === "number" ? x - y : String(x) < String(y) ? -1 : 1) *
        key.direction
      );
    }
    return 0;
  });
}
