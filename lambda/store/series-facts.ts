import type { SeriesState } from "./shard.ts";

/**
 * What is known of a shard's series without a pass over them: how many there are, a
 * minute no series' last bucket (`b`) is older than, and the series they were advanced
 * from in stored order. A minute's write of 100 zones touches a fifth of their ~230,000
 * series; each pass over all of them to count, find the idle or check the order cost more
 * than the counting itself. A series object is never changed once a shard holds it (each
 * writer builds its own), so what is noted of it stays true.
 */
type Series = Readonly<Record<string, SeriesState>>;

interface Facts {
  count: number;
  /** No series' `b` is older than this (the oldest, or a bound below it). */
  oldestLast: number;
  /** The series these were advanced from: theirs first, in their order (some dropped), then new ones. */
  followsOrderOf?: Series;
}

const known = new WeakMap<Series, Facts>();

export function noteSeries(series: Series, facts: Facts): void {
  known.set(series, facts);
}

function factsOf(series: Series): Facts {
  let facts = known.get(series);
  if (!facts) {
    let count = 0;
    let oldestLast = Number.POSITIVE_INFINITY;
    for (const key in series) {
      count++;
      const { b } = series[key] as SeriesState;
      if (b < oldestLast) oldestLast = b;
    }
    facts = { count, oldestLast };
    known.set(series, facts);
  }
  return facts;
}

/** How many series there are. */
export const seriesCount = (series: Series): number => factsOf(series).count;

/** A minute no series' last bucket is older than. */
export const oldestLastMinute = (series: Series): number => factsOf(series).oldestLast;

/** Whether `next` was advanced from `previous` keeping its order (rather than checked key by key). */
export const advancedInOrder = (next: Series, previous: Series): boolean =>
  next === previous || known.get(next)?.followsOrderOf === previous;
