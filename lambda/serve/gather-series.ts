import type { StoredSeries } from "../exposition/model.ts";

/**
 * Every shard's series gathered into their families' columns, in the order they come
 * (shard by shard, each shard's in its order). A family's name is its key up to the
 * labels. A shard's keys interleave its few families, so each key's family is found by
 * comparing it with the names this shard has shown (no name cut out and looked up per
 * key); a family's columns are sized once, its values and starts held as doubles.
 * `familyOf` numbers the families as they come (0, 1, 2…; the same number for one name;
 * negative: left out, unknown or denied); the result is indexed by those numbers.
 */
export function gatherSeries(
  shards: readonly StoredSeries[],
  familyOf: (name: string) => number,
): (StoredSeries | undefined)[] {
  let total = 0;
  for (const shard of shards) total += shard.keys.length;
  // Each key's family, then how many each family has.
  const families = new Int32Array(total);
  const counts: number[] = [];
  let at = 0;
  for (const shard of shards) at = familiesOf(shard.keys, familyOf, families, at);
  // Indexed loops: an iterator's step objects would be a few MB of garbage a scrape.
  for (let i = 0; i < total; i++) {
    const family = families[i] as number;
    if (family >= 0) counts[family] = (counts[family] ?? 0) + 1;
  }
  // Keys too are sized once: grown by push, a family's would be copied a few times over.
  const gathered = Array.from(counts, (count = 0) => ({
    keys: new Array<string>(count),
    values: new Float64Array(count),
    created: new Float64Array(count),
  }));
  const filled = new Int32Array(counts.length);
  at = 0;
  for (let shard = 0; shard < shards.length; shard++) {
    const { keys, values, created } = shards[shard] as StoredSeries;
    for (let i = 0; i < keys.length; i++) {
      const family = families[at++] as number;
      const into = gathered[family];
      if (!into) continue;
      const next = filled[family] as number;
      filled[family] = next + 1;
      into.values[next] = values[i] as number;
      into.created[next] = created[i] as number;
      into.keys[next] = keys[i] as string;
    }
  }
  return gathered;
}

/**
 * Each key's family in one shard, written into `out` from `at`; returns where the next shard's
 * go. A key is of the family whose name is the key up to its first `{` (a name holds none):
 * of the names seen, those as long (most often one) are compared with its start.
 */
function familiesOf(
  keys: readonly string[],
  familyOf: (name: string) => number,
  out: Int32Array,
  at: number,
): number {
  const names: string[] = [];
  const ids: number[] = [];
  let last = -1;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const brace = key.indexOf("{");
    const length = brace < 0 ? key.length : brace;
    let found = last >= 0 && isNamed(key, length, names[last] as string) ? last : -1;
    for (let n = 0; found < 0 && n < names.length; n++)
      if (isNamed(key, length, names[n] as string)) found = n;
    if (found < 0) {
      const name = key.slice(0, length);
      names.push(name);
      ids.push(familyOf(name));
      found = names.length - 1;
    }
    last = found;
    out[at + i] = ids[found] as number;
  }
  return at + keys.length;
}

/** Whether a key whose name part is `length` long is of the family with this name. */
const isNamed = (key: string, length: number, name: string) => name.length === length && key.startsWith(name);
