/**
 * Orders of series keys by their text (code unit order, as `<` compares): what a family is
 * printed in. A shard's order is computed once and kept beside its columns; families are
 * then made of these sorted runs, which a merge sort (V8's Array sort) joins in far fewer
 * comparisons than it sorts shuffled keys.
 */
const byText = (keys: readonly string[]) => (a: number, b: number) => {
  const x = keys[a] as string;
  const y = keys[b] as string;
  return x < y ? -1 : x > y ? 1 : a - b;
};

/** The positions of `keys` in text order (equal keys in position order). */
export function textOrder(keys: readonly string[]): number[] {
  const order = new Array<number>(keys.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort(byText(keys));
}

/** `order` (of `keys` up to `from`) with the keys from `from` on merged in: keys appended after it was computed. */
export function withAppended(order: readonly number[], keys: readonly string[], from: number): number[] {
  if (from >= keys.length) return order as number[];
  const added = new Array<number>(keys.length - from);
  for (let i = 0; i < added.length; i++) added[i] = from + i;
  added.sort(byText(keys));
  const compare = byText(keys);
  const out = new Array<number>(keys.length);
  let a = 0;
  let b = 0;
  for (let at = 0; at < out.length; at++) {
    const x = order[a];
    const y = added[b];
    if (y === undefined || (x !== undefined && compare(x, y) < 0)) {
      out[at] = x as number;
      a++;
    } else {
      out[at] = y;
      b++;
    }
  }
  return out;
}
