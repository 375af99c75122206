import type { AttributeValue, Cell } from "./traffic/cell.ts";

/**
 * How one output field of a dataset row is computed from the cells of its group. All
 * aggregates are functions of cells, so no breakdown can disagree with its total.
 */
export type Aggregator =
  | { kind: "sum"; metric: string }
  /** Σ metric / Σ weight (default: events), i.e. the per-event mean. */
  | { kind: "mean"; metric: string; weight?: string }
  /** Share of events whose attribute satisfies `test`. */
  | { kind: "ratio"; test: (cell: Cell) => boolean }
  | { kind: "constant"; value: number }
  | { kind: "uniq" }
  /** Event-weighted quantile of the per-cell mean of `metric`. */
  | { kind: "quantile"; metric: string; weight?: string; q: number }
  | { kind: "extreme"; metric: string; weight?: string; pick: "max" | "min" }
  | { kind: "maxTime" }
  | MapAggregator;

export interface MapAggregator {
  kind: "map";
  /** Output key field → cell attribute. */
  key: Readonly<Record<string, string>>;
  fields: Readonly<Record<string, Aggregator>>;
  /** Cells that contribute elements (e.g. only threats to the threat map). */
  include?: (cell: Cell) => boolean;
}

export type Scalar = number | string;
export type MapElement = Record<string, AttributeValue>;

const sumOf = (cells: readonly Cell[], metric: string): number =>
  cells.reduce((total, cell) => total + (cell.metrics[metric] ?? 0), 0);

const perCell = (cell: Cell, metric: string, weight: string): number => {
  const w = cell.metrics[weight] ?? 0;
  return w === 0 ? 0 : (cell.metrics[metric] ?? 0) / w;
};

const printedTimes = new Map<number, string>();

/** Unix seconds as Cloudflare prints a `Time` (cached: the same minutes are printed again and again). */
export function toTime(seconds: number): string {
  const known = printedTimes.get(seconds);
  if (known !== undefined) return known;
  const text = new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
  if (printedTimes.size > 100_000) printedTimes.clear();
  printedTimes.set(seconds, text);
  return text;
}

export function aggregate(aggregator: Aggregator, cells: readonly Cell[]): Scalar | MapElement[] {
  switch (aggregator.kind) {
    case "sum":
      return sumOf(cells, aggregator.metric);
    case "mean": {
      const weight = sumOf(cells, aggregator.weight ?? "count");
      return weight === 0 ? 0 : sumOf(cells, aggregator.metric) / weight;
    }
    case "ratio": {
      const total = sumOf(cells, "count");
      return total === 0 ? 0 : sumOf(cells.filter(aggregator.test), "count") / total;
    }
    case "constant":
      return aggregator.value;
    case "uniq":
      return new Set(cells.flatMap((cell) => cell.visitors ?? [])).size;
    case "quantile":
      return weightedQuantile(cells, aggregator.metric, aggregator.weight ?? "count", aggregator.q);
    case "extreme": {
      const values = cells.map((cell) => perCell(cell, aggregator.metric, aggregator.weight ?? "count"));
      if (values.length === 0) return 0;
      return aggregator.pick === "max" ? Math.max(...values) : Math.min(...values);
    }
    case "maxTime":
      return toTime(Math.max(...cells.map((cell) => cell.time)));
    case "map":
      return mapElements(aggregator, cells);
  }
}

function weightedQuantile(cells: readonly Cell[], metric: string, weight: string, q: number): number {
  const points = cells
    .map((cell) => ({ value: perCell(cell, metric, weight), weight: cell.metrics[weight] ?? 0 }))
    .filter((point) => point.weight > 0)
    .sort((a, b) => a.value - b.value);
  const total = points.reduce((sum, point) => sum + point.weight, 0);
  let seen = 0;
  for (const point of points) {
    seen += point.weight;
    if (seen >= q * total) return point.value;
  }
  return 0;
}

function mapElements(map: MapAggregator, cells: readonly Cell[]): MapElement[] {
  const groups = new Map<string, Cell[]>();
  for (const cell of cells) {
    if (map.include && !map.include(cell)) continue;
    const key = JSON.stringify(Object.values(map.key).map((attr) => cell.attrs[attr]));
    const group = groups.get(key);
    if (group) group.push(cell);
    else groups.set(key, [cell]);
  }
  return [...groups.values()].map((group) => {
    const element: MapElement = {};
    const first = group[0];
    for (const [field, attr] of Object.entries(map.key)) element[field] = first?.attrs[attr] ?? "";
    for (const [field, aggregator] of Object.entries(map.fields)) {
      const value = aggregate(aggregator, group);
      if (!Array.isArray(value)) element[field] = value;
    }
    return element;
  });
}
