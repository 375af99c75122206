/**
 * Keys' positions in text order (as `<` orders strings: by UTF-16 code units), equal keys in
 * the order they came, found without comparing two keys in most cases: a radix sort, one
 * character at a time from the first, each group of keys that agree so far split by the next
 * character (a stable counting sort), small groups sorted by comparing.
 *
 * A scrape sorts every family's keys, about 240,000 for 100 zones, when it holds no earlier
 * order (model.ts). An array's sort calls its comparison for each of the few million pairs
 * it compares, and those calls were most of the sort's time; a family's keys share their
 * long start (the name and the first label's name), which a radix pass reads once per key.
 * The result is exactly a stable sort's: the same order from any starting one.
 */
export interface TextOrder {
  order: Uint32Array;
  /** Whether two keys are equal. */
  repeated: boolean;
}

/** Groups this small are sorted by comparing (an insertion sort). */
const smallGroup = 24;
/** Characters one pass splits a group by at most (its codes' spread): wider spreads are sorted by comparing. */
const widestSpread = 1024;

interface Sorting {
  keys: readonly string[];
  order: Uint32Array;
  /** Each position's character at the group's depth, by its place in the group (-1: the key ended). */
  codes: Int32Array;
  scratch: Uint32Array;
  counts: Int32Array;
  repeated: boolean;
  /** Groups still to sort: start, end, depth, three numbers each. */
  pending: number[];
}

export function textOrder(keys: readonly string[]): TextOrder {
  const n = keys.length;
  const sorting: Sorting = {
    keys,
    order: new Uint32Array(n),
    codes: new Int32Array(n),
    scratch: new Uint32Array(n),
    counts: new Int32Array(widestSpread + 3),
    repeated: false,
    pending: [0, n, 0],
  };
  for (let i = 0; i < n; i++) sorting.order[i] = i;
  const { pending } = sorting;
  while (pending.length > 0) {
    const depth = pending.pop() as number;
    const end = pending.pop() as number;
    const start = pending.pop() as number;
    sortGroup(sorting, start, end, depth);
  }
  return { order: sorting.order, repeated: sorting.repeated };
}

/**
 * Orders the keys at `start`..`end` of the order, which agree before `from`. Every key lies
 * between the group's least and greatest, so all agree as far as those two do: one pass
 * finds them (comparing whole keys, as fast as the characters they share allow), the
 * next splits the group by the first character where they differ.
 */
function sortGroup(sorting: Sorting, start: number, end: number, from: number): void {
  if (end - start <= smallGroup) {
    insertionSort(sorting, start, end);
    return;
  }
  const { keys, order, codes } = sorting;
  let least = keys[order[start] as number] as string;
  let greatest = least;
  for (let at = start + 1; at < end; at++) {
    const key = keys[order[at] as number] as string;
    if (key < least) least = key;
    else if (key > greatest) greatest = key;
  }
  if (least === greatest) {
    // All equal, left in the order they came.
    sorting.repeated = true;
    return;
  }
  let depth = from;
  // They differ, so one goes on where they first do (a key that ended reads NaN: unequal).
  while (least.charCodeAt(depth) === greatest.charCodeAt(depth)) depth++;
  const low = depth < least.length ? least.charCodeAt(depth) : -1;
  const high = greatest.charCodeAt(depth);
  if (high - low > widestSpread) {
    compareSort(sorting, start, end);
    return;
  }
  for (let at = start; at < end; at++) {
    const key = keys[order[at] as number] as string;
    codes[at - start] = depth < key.length ? key.charCodeAt(depth) : -1;
  }
  splitByCode(sorting, start, end, depth, low, high);
}

/**
 * A stable counting sort of the group by its codes (`low` to `high`, -1 first: a key that
 * ended before another that goes on), each part with more than one key left to sort from the
 * next character.
 */
function splitByCode(
  sorting: Sorting,
  start: number,
  end: number,
  depth: number,
  low: number,
  high: number,
): void {
  const { order, codes, scratch, counts, pending } = sorting;
  // Bucket 0 holds the ended keys (-1), bucket c - low + 1 the code c.
  const buckets = high - low + 2;
  const base = low - 1;
  counts.fill(0, 0, buckets + 1);
  const size = end - start;
  for (let i = 0; i < size; i++) {
    const code = codes[i] as number;
    const next = (code < 0 ? 0 : code - base) + 1;
    counts[next] = (counts[next] as number) + 1;
  }
  for (let b = 1; b <= buckets; b++) counts[b] = (counts[b] as number) + (counts[b - 1] as number);
  for (let i = 0; i < size; i++) {
    const code = codes[i] as number;
    const bucket = code < 0 ? 0 : code - base;
    scratch[start + (counts[bucket] as number)] = order[start + i] as number;
    counts[bucket] = (counts[bucket] as number) + 1;
  }
  order.set(scratch.subarray(start, end), start);
  // After the scatter, counts[b] is where bucket b ends (and b + 1 starts).
  let from = start;
  for (let b = 0; b < buckets; b++) {
    const to = start + (counts[b] as number);
    if (to - from > 1) {
      if (b === 0) sorting.repeated = true;
      else pending.push(from, to, depth + 1);
    }
    from = to;
  }
}

/** A small group sorted by comparing whole keys; equal keys keep their order. */
function insertionSort(sorting: Sorting, start: number, end: number): void {
  const { keys, order } = sorting;
  for (let i = start + 1; i < end; i++) {
    const position = order[i] as number;
    const key = keys[position] as string;
    let at = i;
    while (at > start) {
      const before = keys[order[at - 1] as number] as string;
      if (before <= key) {
        if (before === key) sorting.repeated = true;
        break;
      }
      order[at] = order[at - 1] as number;
      at--;
    }
    order[at] = position;
  }
}

/** A group whose next characters spread too widely for a counting pass: sorted by comparing (stable). */
function compareSort(sorting: Sorting, start: number, end: number): void {
  const { keys, order } = sorting;
  const group = Array.from(order.subarray(start, end));
  const text = positionsByText(keys);
  group.sort(text.compare);
  if (text.equal) sorting.repeated = true;
  order.set(group, start);
}

/** Positions compared by their keys' text, then by position; `equal` turns true once two keys were. */
export function positionsByText(keys: readonly string[]) {
  const seen = {
    equal: false,
    compare(a: number, b: number): number {
      const x = keys[a] as string;
      const y = keys[b] as string;
      if (x < y) return -1;
      if (x > y) return 1;
      seen.equal = true;
      return a - b;
    },
  };
  return seen;
}
