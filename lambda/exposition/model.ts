import { positionsByText, textOrder } from "./text-order.ts";

/**
 * What the endpoint renders: metric families of samples. Built from stored state and
 * self-metrics; rendered by text.ts (Prometheus 0.0.4) or openmetrics.ts (OpenMetrics 1.0).
 */
/** A summary here is quantiles only (Cloudflare reports quantiles, not observations): no `_sum` or `_count`. */
export type FamilyType = "counter" | "gauge" | "summary";

export interface Sample {
  /** Label pairs in output order. */
  labels: readonly (readonly [string, string])[];
  value: number;
  /** Counters: when the series started (Unix seconds), for OpenMetrics `_created`. */
  created?: number;
}

export interface Family {
  /** For counters, the sample name including `_total`. */
  name: string;
  help: string;
  type: FamilyType;
  samples: Sample[];
  /**
   * Series already written as text, in columns: stored series keys (`name{a="x"}`, labels
   * sorted by name and escaped, as lambda/catalogue/series-key.ts writes them) beside their
   * values and (counters) the minute each started, for `_created`. Printed as they are: no
   * label is parsed or rendered again, and no per-series object is built.
   */
  stored?: StoredSeries;
}

export interface StoredSeries {
  keys: readonly string[];
  values: ArrayLike<number>;
  created: ArrayLike<number>;
}

/** Series gathered one by one. */
interface SeriesList {
  keys: string[];
  values: number[];
  created: number[];
}

/** Characters a label value escapes; most values have none and are returned as they are. */
const escaped = /[\\"\n]/;

export function escapeLabelValue(value: string): string {
  if (!escaped.test(value)) return value;
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

export function formatLabels(labels: Sample["labels"]): string {
  if (labels.length === 0) return "";
  return `{${labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

/**
 * A family ready to print: its series are `order`'s positions, in label order, one per label
 * set; each has the sample's text before its value (`name{labels}`), its value and, for
 * counters, when it started (NaN: unknown).
 */
export interface NormalizedFamily {
  name: string;
  help: string;
  type: FamilyType;
  keys: readonly string[];
  values: ArrayLike<number>;
  created: ArrayLike<number>;
  order: Uint32Array;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Families sorted by name, one HELP and TYPE each; labels in name order; equal label sets
 * are one series (counters add, gauges keep the last). One family at a time, so what is
 * held is the family being printed, not the whole exposition.
 */
export function* normalizeEach(
  families: readonly Family[],
  memory?: SortMemory,
): Generator<NormalizedFamily> {
  const byName = Map.groupBy(families, (family) => family.name);
  for (const name of [...byName.keys()].sort(byText)) yield normalizeOne(byName.get(name) ?? [], memory);
}

/**
 * What an endpoint remembers of each family's last sort (its keys, their positions in text
 * order, and whether two were equal), to start the next sort of it from: a minute later
 * most keys are the same, and a merge sort given them nearly in order does little more than
 * check it, or (no two keys equal) only places the keys added among the others. Only a
 * starting point: the sort's result is the same from any.
 */
export type SortMemory = Map<string, LastSort>;

interface LastSort {
  keys: readonly string[];
  order: Uint32Array;
  repeated: boolean;
}

export function createSortMemory(): SortMemory {
  return new Map();
}

export function normalize(families: readonly Family[]): NormalizedFamily[] {
  return [...normalizeEach(families)];
}

/** Every series of a family's parts, in the order they come (samples first): the text before the value, value, start. */
function seriesOf(parts: readonly Family[], name: string, counter: boolean): StoredSeries {
  const [only] = parts;
  if (parts.length === 1 && only?.samples.length === 0 && only.stored) return only.stored;
  const all: SeriesList = { keys: [], values: [], created: [] };
  for (const family of parts) {
    for (const sample of family.samples) {
      const sorted =
        sample.labels.length > 1 ? [...sample.labels].sort(([a], [b]) => byText(a, b)) : sample.labels;
      all.keys.push(name + formatLabels(sorted));
      all.values.push(sample.value);
      all.created.push(sample.created ?? Number.NaN);
    }
    const { keys = [], values = [], created = [] } = family.stored ?? {};
    for (let i = 0; i < keys.length; i++) {
      all.keys.push(keys[i] as string);
      all.values.push(values[i] as number);
      all.created.push(counter ? (created[i] as number) : Number.NaN);
    }
  }
  return all;
}

function normalizeOne(parts: readonly Family[], memory?: SortMemory): NormalizedFamily {
  const [first] = parts;
  if (!first) throw new Error("a family without parts");
  const counter = first.type === "counter";
  const series = seriesOf(parts, first.name, counter);
  const sort = sortedOrder(series.keys, memory?.get(first.name));
  memory?.set(first.name, sort);
  const { order, repeated } = sort;
  const family = { name: first.name, help: first.help, type: first.type };
  return { ...family, ...(repeated ? merged(series, order, counter) : { ...series, order }) };
}

/** The keys' positions in text order, and whether two keys are equal. */
function sortedOrder(keys: readonly string[], last: LastSort | undefined): LastSort {
  // Nothing to start from (a new container's first scrape): a radix sort, which compares few keys.
  if (!last) return { keys, ...textOrder(keys) };
  const { positions, kept } = startingOrder(keys, last);
  if (!last.repeated) {
    const quick = insertedOrder(keys, positions, kept);
    if (quick) return quick;
  }
  // Sorted by the whole text: every key starts with the family's name, so this is label
  // order; equal keys stay in the order they came. A sort compares every two keys that end
  // up side by side, so it sees any two equal ones. An array's sort (a merge sort that
  // finds sorted runs) rather than a typed array's: started from the last sort's order,
  // it finds nearly one run.
  const text = positionsByText(keys);
  positions.sort(text.compare);
  return { keys, order: Uint32Array.from(positions), repeated: text.equal };
}

/**
 * The order when the first `kept` positions are keys the last sort ordered, none equal:
 * they are in order already (the same keys, in the last sort's order), so only the others
 * are sorted, and each put in its place among them by a binary search. A sort from there
 * would check every kept key against the next; this compares a few per key added.
 * Undefined when a key added equals another: then the keys are sorted whole.
 */
function insertedOrder(keys: readonly string[], positions: number[], kept: number): LastSort | undefined {
  const text = positionsByText(keys);
  const added = positions.slice(kept).sort(text.compare);
  const order = new Uint32Array(positions.length);
  let out = 0;
  let from = 0;
  for (const position of added) {
    // The first kept key after this one's (kept keys are in order: the search may start at the last place).
    let low = from;
    let high = kept;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (text.compare(positions[middle] as number, position) < 0) low = middle + 1;
      else high = middle;
    }
    // An equal kept key would lie just there.
    if (low < kept && keys[positions[low] as number] === keys[position]) return undefined;
    for (; from < low; from++) order[out++] = positions[from] as number;
    order[out++] = position;
  }
  if (text.equal) return undefined;
  for (; from < kept; from++) order[out++] = positions[from] as number;
  return { keys, order, repeated: false };
}

/** One series per key (counters add, the earliest start; gauges keep the last), in `order`. */
function merged({ keys, values, created }: StoredSeries, order: Uint32Array, counter: boolean) {
  const out: SeriesList = { keys: [], values: [], created: [] };
  let last = -1;
  for (const i of order) {
    const key = keys[i] as string;
    const value = values[i] as number;
    const start = counter ? (created[i] as number) : Number.NaN;
    if (last >= 0 && out.keys[last] === key) {
      if (counter) {
        out.values[last] = (out.values[last] as number) + value;
        const earliest = out.created[last] as number;
        if (!Number.isNaN(start))
          out.created[last] = Number.isNaN(earliest) ? start : Math.min(earliest, start);
      } else {
        out.values[last] = value;
        out.created[last] = start;
      }
      continue;
    }
    out.keys.push(key);
    out.values.push(value);
    out.created.push(start);
    last++;
  }
  return { ...out, order: Uint32Array.from(out.keys, (_, i) => i) };
}

/**
 * The positions of `keys` to start a sort from: those the last sort ordered, moved to where
 * the same keys lie now, in that order (`kept` of them), then the others. Keys lie as they did, with some
 * added and some gone here and there: one walk down both, looking a few keys ahead where
 * they differ, finds them. Any result is a permutation; a poor one only makes the sort do more.
 */
function startingOrder(keys: readonly string[], last: LastSort): { positions: number[]; kept: number } {
  const out: number[] = [];
  const was = last.keys;
  const now = new Int32Array(was.length).fill(-1);
  for (let i = 0, j = 0; i < was.length && j < keys.length; ) {
    if (was[i] === keys[j]) {
      now[i++] = j++;
      continue;
    }
    const gone = aheadOf(was, i, keys[j] as string);
    const added = aheadOf(keys, j, was[i] as string);
    if (gone > 0 && (added === 0 || gone <= added)) i += gone;
    else if (added > 0) j += added;
    else {
      i++;
      j++;
    }
  }
  const placed = new Uint8Array(keys.length);
  for (const position of last.order) {
    const at = now[position] ?? -1;
    if (at < 0 || placed[at]) continue;
    placed[at] = 1;
    out.push(at);
  }
  const kept = out.length;
  for (let i = 0; i < keys.length; i++) if (!placed[i]) out.push(i);
  return { positions: out, kept };
}

/** Keys a walk looks ahead where two lists differ: more added or gone in one place are found again further on. */
const lookAhead = 16;

/** How far after `from` the key lies in `list`, within the look-ahead (0: not found). */
function aheadOf(list: readonly string[], from: number, key: string): number {
  const end = Math.min(list.length, from + lookAhead + 1);
  for (let at = from + 1; at < end; at++) if (list[at] === key) return at - from;
  return 0;
}
