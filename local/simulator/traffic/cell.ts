/**
 * A cell is the traffic model's unit of truth: a number of events (`count`) that share
 * every attribute, at one time. Every dataset the simulator serves is an aggregation over
 * cells, which is why breakdowns always add up to totals and why two datasets built on
 * the same events agree.
 */
export type AttributeValue = string | number;

export interface Cell {
  /** Event time in Unix seconds (second precision, inside `minute`). */
  time: number;
  /** Start of the cell's minute in Unix seconds. */
  minute: number;
  attrs: Readonly<Record<string, AttributeValue>>;
  /** Additive quantities. `count` is always present: the number of events in the cell. */
  metrics: Readonly<Record<string, number>>;
  /** Opaque visitor identities, for `uniq` aggregates (which are not additive). */
  visitors?: readonly number[];
}

/**
 * Cells as seen `fraction` of the way to settled: integer quantities are floored so the
 * visible value only ever grows, and a cell whose count floors to zero is not yet seen.
 */
export function settleCell(cell: Cell, fraction: number): Cell | undefined {
  if (fraction >= 1) return cell;
  const count = Math.floor((cell.metrics.count ?? 0) * fraction);
  if (count <= 0) return undefined;
  const metrics: Record<string, number> = {};
  for (const [name, value] of Object.entries(cell.metrics)) {
    metrics[name] = Number.isInteger(value) ? Math.floor(value * fraction) : value * fraction;
  }
  metrics.count = count;
  const visitors = cell.visitors?.slice(0, Math.max(1, Math.floor(cell.visitors.length * fraction)));
  return { ...cell, metrics, ...(visitors ? { visitors } : {}) };
}

/** Splits `total` events into `parts` positive integer shares with the given generator. */
export function splitCount(total: number, parts: number, next: () => number): number[] {
  const n = Math.max(0, Math.min(parts, total));
  if (n === 0) return [];
  const weights = Array.from({ length: n }, () => next() ** 2 + 0.05);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  // One event per share first, so no share is empty; the rest by weight.
  const shares = weights.map((w) => 1 + Math.floor(((total - n) * w) / weightSum));
  let remainder = total - shares.reduce((a, b) => a + b, 0);
  for (let i = 0; remainder > 0; i = (i + 1) % n, remainder--) shares[i] = (shares[i] ?? 0) + 1;
  return shares;
}

/** The share of a day's peak traffic at a given minute: quiet at night UTC, busy in the afternoon. */
export function diurnalFactor(minuteStart: number): number {
  const hour = (minuteStart % 86_400) / 3_600;
  return 0.55 + 0.45 * Math.sin((2 * Math.PI * (hour - 9)) / 24);
}
