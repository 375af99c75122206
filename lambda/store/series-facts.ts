import type { SeriesState } from "./shard.ts";

/**
 * What is known of a shard's series without a pass over them: their keys in order, how
 * many there are, a minute no series' last bucket (`b`) is older than, and the series
 * they were advanced from in stored order. A minute's write of 100 zones touches a fifth
 * of their ~230,000 series; each pass over all of them to list their keys (an object of
 * thousands of keys lists them sorted by insertion, each time), count them, find the idle
 * or check the order cost more than the counting itself. A series object is never changed
 * once a shard holds it (each writer builds its own), so what is noted of it stays true.
 */
type Series = Readonly<Record<string, SeriesState>>;

interface Facts {
  /** As `Object.keys` lists them. */
  keys?: readonly string[];
  /** No series' `b` is older than this (the oldest, or a bound below it). */
  oldestLast?: number;
  /**
   * The series these were advanced from: theirs first, in their order (some dropped), then
   * new ones. Held weakly: a chain of a warm container's writes must not keep every
   * earlier minute's series alive.
   */
  followsOrderOf?: WeakRef<Series>;
  /** When none of those was dropped: the keys of theirs whose state these replaced, each once. */
  replaced?: readonly string[];
  /** `replaced` with each key's position, by position (listed once). */
  replacedByPosition?: readonly (readonly [number, string])[];
  positions?: Positions;
}

/**
 * Each key's position, shared along a chain of advances that drop no series (each adds its
 * new keys after the others): a key keeps its position along it. Only the chain's last
 * series (`tip`) extends it; looked up only with keys the series asking holds.
 */
interface Positions {
  of: Map<string, number>;
  tip: Series;
}

const known = new WeakMap<Series, Facts>();

/**
 * Notes `next`, advanced from `previous` in order: `keys` (when known: no series dropped)
 * are `previous`'s and then the new ones; `replaced` are those of `previous`'s it gave a new state.
 */
export function noteAdvance(
  next: Series,
  previous: Series,
  facts: { oldestLast: number; keys?: readonly string[]; replaced: readonly string[] },
): void {
  const { oldestLast, keys, replaced } = facts;
  known.set(next, {
    oldestLast,
    followsOrderOf: new WeakRef(previous),
    ...(keys ? { keys, replaced } : {}),
  });
}

/** Each key's position: the chain's, extended by the keys this series added, or listed anew. */
function positionsOf(series: Series): Map<string, number> {
  const facts = factsOf(series);
  if (!facts.positions) {
    const keys = seriesKeys(series);
    const previous = facts.followsOrderOf?.deref();
    const chain = previous && facts.replaced ? known.get(previous)?.positions : undefined;
    if (previous && chain?.tip === previous) {
      for (let position = seriesCount(previous); position < keys.length; position++)
        chain.of.set(keys[position] as string, position);
      chain.tip = series;
      facts.positions = chain;
    } else {
      const of = new Map<string, number>();
      for (const [position, key] of keys.entries()) of.set(key, position);
      facts.positions = { of, tip: series };
    }
  }
  return facts.positions.of;
}

/**
 * When `next` was advanced in order from `previous` and dropped none of its series: the
 * keys of `previous` whose state it replaced, with their positions there, by position
 * (every other of `previous`'s series it holds as it was; new ones follow them). A delta
 * and the write's list of advanced series then look at these alone.
 */
export function replacedByPosition(
  next: Series,
  previous: Series,
): readonly (readonly [number, string])[] | undefined {
  const facts = known.get(next);
  if (!facts?.replaced || facts.followsOrderOf?.deref() !== previous) return undefined;
  if (!facts.replacedByPosition) {
    const positions = positionsOf(previous);
    facts.replacedByPosition = facts.replaced
      .map((key) => [positions.get(key) as number, key] as const)
      .sort((a, b) => a[0] - b[0]);
  }
  return facts.replacedByPosition;
}

function factsOf(series: Series): Facts {
  let facts = known.get(series);
  if (!facts) {
    facts = {};
    known.set(series, facts);
  }
  return facts;
}

/** The series' keys, in order (`Object.keys`, listed once per series object). */
export function seriesKeys(series: Series): readonly string[] {
  const facts = factsOf(series);
  facts.keys ??= Object.keys(series);
  return facts.keys;
}

/** How many series there are. */
export const seriesCount = (series: Series): number => seriesKeys(series).length;

/** A minute no series' last bucket is older than. */
export function oldestLastMinute(series: Series): number {
  const facts = factsOf(series);
  if (facts.oldestLast === undefined) {
    let oldest = Number.POSITIVE_INFINITY;
    for (const key of seriesKeys(series)) oldest = Math.min(oldest, (series[key] as SeriesState).b);
    facts.oldestLast = oldest;
  }
  return facts.oldestLast;
}

/** Whether `next` was advanced from `previous` keeping its order (rather than checked key by key). */
export const advancedInOrder = (next: Series, previous: Series): boolean =>
  next === previous || known.get(next)?.followsOrderOf?.deref() === previous;

/**
 * Whether a key would be listed by `Object.keys` where it was added: an array index
 * ("0", "17") is listed before every other key. A series key starts with its metric's
 * name, so never is one; a key that could be is left to `Object.keys`.
 */
export const listedInInsertionOrder = (key: string): boolean => {
  const first = key.charCodeAt(0);
  return !(first >= 48 && first <= 57);
};
