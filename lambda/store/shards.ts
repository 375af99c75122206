import { queryAccount, queryRangePages } from "./query.ts";
import { type Shard, ShardConflictError, type SliceRef } from "./shard.ts";
import { cachedSlice, cacheSlice, countZoneRead, dropSlice } from "./slice-cache.ts";
import { indexSlices, sliceId } from "./slice-index.ts";
import { type ChainHints, readCurrentSlices } from "./slice-reads.ts";
import { emptySlice, type SliceWrite, slicesFromItems, writeSlice } from "./slices.ts";
import { keys, type Store } from "./table.ts";

export { queryAccount, queryPages } from "./query.ts";
export { decodeLegacy, type SeriesState, type Shard, ShardConflictError } from "./shard.ts";

/**
 * Reads the wanted shards that exist (absent ones are simply missing), each with the
 * slice it belongs to. Per zone, one Query of its full records and one of each one's
 * deltas after it (slice-reads.ts); slices in an earlier format are read (once, until their
 * first write carries them over) for zones with nothing in the current one.
 */
export async function readShards(
  store: Store,
  accountId: string,
  wanted: readonly { group: string; scopeId: string; index: number }[],
  options: { consistent?: boolean } = {},
): Promise<Shard[]> {
  const byScope = Map.groupBy(wanted, (w) => w.scopeId);
  // A zone whose every wanted slice this container holds is not read: the write's condition checks it.
  const cached: SliceRef[] = [];
  const scopes: string[] = [];
  for (const [scope, refs] of byScope) {
    const held = options.consistent
      ? []
      : [...new Set(refs.map((w) => w.index))].map((index) => cachedSlice(store, accountId, scope, index));
    if (held.length > 0 && held.every((slice) => slice !== undefined)) cached.push(...held);
    else scopes.push(scope);
  }
  // Only a run's ordinary reads count towards how often the state is held: a consistent
  // re-read after a write conflict reads the table whatever the container holds.
  if (!options.consistent) {
    const read = new Set(scopes);
    for (const scope of byScope.keys()) countZoneRead(store, accountId, scope, !read.has(scope));
  }
  const items: Record<string, unknown>[] = [];
  const hints: ChainHints = new Map();
  // The first zone alone: its chains are the hint of the others' (slice-reads.ts ChainHints).
  for (let i = 0; i < scopes.length; i += i === 0 ? 1 : 10) {
    const batch = scopes.slice(i, i === 0 ? 1 : i + 10);
    const read = await Promise.all(
      batch.map((scope) =>
        readCurrentSlices(store, accountId, keys.sliceFulls(scope), { ...options, hints }),
      ),
    );
    items.push(...read.flat());
  }
  let slices = slicesFromItems(items);
  // A slice with nothing in the current format yet may still be in format 2 or 1.
  const present = new Set(slices.map((slice) => `${slice.scopeId}#${slice.index}`));
  const missing = new Set(
    wanted
      .filter((w) => scopes.includes(w.scopeId) && !present.has(`${w.scopeId}#${w.index}`))
      .map((w) => w.scopeId),
  );
  if (missing.size > 0)
    slices = slicesFromItems([...items, ...(await queryEarlier(store, accountId, missing))]);
  remember(store, accountId, slices, wanted, scopes);
  const byKey = new Set(wanted.map((w) => `${w.group}#${w.scopeId}#${w.index}`));
  return [...slices, ...cached].flatMap((slice) =>
    [...slice.shards.values()].filter((s) => byKey.has(`${s.group}#${s.scopeId}#${s.index}`)),
  );
}

/** Caches the slices just read, and as empty the wanted ones a zone without format-1 items does not hold. */
function remember(
  store: Store,
  accountId: string,
  slices: readonly SliceRef[],
  wanted: readonly { scopeId: string; index: number }[],
  scopes: readonly string[],
): void {
  const withLegacy = new Set(slices.filter((s) => s.legacy.length > 0).map((s) => s.scopeId));
  const read = new Set(slices.map((slice) => `${slice.scopeId}#${slice.index}`));
  for (const slice of slices) if (!withLegacy.has(slice.scopeId)) cacheSlice(store, accountId, slice);
  for (const w of wanted)
    if (scopes.includes(w.scopeId) && !withLegacy.has(w.scopeId) && !read.has(`${w.scopeId}#${w.index}`))
      cacheSlice(store, accountId, emptySlice(w.scopeId, w.index));
}

/**
 * The zones' items in earlier formats: format 2 (one Query a zone) and format 1 (`SERIES#<group>#…`:
 * group names start with a letter, so they sort after every format's `SERIES#<digit>#`).
 */
async function queryEarlier(store: Store, accountId: string, scopes: ReadonlySet<string>) {
  const format2 = await Promise.all(
    [...scopes].map((scope) => queryAccount(store, accountId, keys.format2Scope(scope), true)),
  );
  const format1: Record<string, unknown>[] = [];
  for await (const page of queryRangePages(store, accountId, { above: keys.format1From }, true))
    for (const item of page) {
      const sk = String(item.sk);
      if (sk.startsWith(keys.seriesPrefix) && scopes.has(sk.split("#")[2] ?? "")) format1.push(item);
    }
  return [...format2.flat(), ...format1];
}

export interface ShardUpdate {
  /** As read (or, for a shard never stored, as planned). */
  previous: Shard;
  next: Shard;
}

/**
 * Stores every update, one conditional write per slice (in slice order), each only if
 * every shard it moves still has the cursor it was read with. Calls `onWritten` after
 * each slice write with what it stored: the series that write advanced carry the value
 * and minute of their last counted bucket (`l`, `b`). Throws ShardConflictError when
 * another run got there first; the caller re-reads and reapplies what is left.
 */
export async function writeShards(
  store: Store,
  accountId: string,
  updates: readonly ShardUpdate[],
  onWritten: (write: SliceWrite) => void = () => {},
): Promise<void> {
  const bySlice = Map.groupBy(updates, (u) => sliceId(u.next.scopeId, u.next.index));
  // Slices none of whose shards were stored may be new: listed in the slice index in one
  // write beside their puts (slice-index.ts; not before them: that one more wait moved
  // concurrent fetchers' turns); a slice carried over from format 1 is listed by its write.
  const fresh = [...bySlice].filter(([, group]) => group.every((u) => !u.previous.stored)).map(([id]) => id);
  const listed = indexSlices(store, accountId, fresh);
  listed.catch(() => undefined);
  for (const [id, group] of [...bySlice].sort(([a], [b]) => a.localeCompare(b))) {
    const first = group[0];
    if (first) onWritten(await writeOneSlice(store, accountId, group, first.next, fresh.includes(id)));
  }
  await listed;
}

const sliceRetries = 5;

/**
 * One slice's write. When the slice moved on since it was read, it is read again: if only
 * other shards of it moved (another group's write, a snapshot), the write goes on from
 * there; if one of these shards moved, that is a conflict.
 */
async function writeOneSlice(
  store: Store,
  accountId: string,
  group: readonly ShardUpdate[],
  first: Shard,
  indexed: boolean,
): Promise<SliceWrite> {
  let slice =
    group.find((u) => u.previous.slice)?.previous.slice ??
    cachedSlice(store, accountId, first.scopeId, first.index) ??
    (await readSlice(store, accountId, first.scopeId, first.index));
  try {
    for (let attempt = 0; ; attempt++) {
      for (const { previous } of group) {
        const held = slice.shards.get(previous.group);
        if (previous.stored ? held?.cursor !== previous.cursor : held !== undefined)
          throw new ShardConflictError("shard moved on");
      }
      try {
        const written = await writeSlice(
          store,
          accountId,
          slice,
          group.map((u) => u.next),
          indexed,
        );
        cacheSlice(store, accountId, written.slice);
        return written;
      } catch (error) {
        if (!(error instanceof ShardConflictError) || attempt === sliceRetries) throw error;
        slice = await readSlice(store, accountId, first.scopeId, first.index);
      }
    }
  } catch (error) {
    // What this container holds of the slice is no longer known to be its latest write.
    dropSlice(store, accountId, first.scopeId, first.index);
    throw error;
  }
}

/** A slice as stored now (consistent read), with any items of earlier formats it has. */
async function readSlice(store: Store, accountId: string, scopeId: string, index: number): Promise<SliceRef> {
  const items = [
    ...(await readCurrentSlices(store, accountId, keys.sliceFulls(scopeId), { consistent: true })),
    ...(await queryEarlier(store, accountId, new Set([scopeId]))),
  ];
  return slicesFromItems(items).find((s) => s.index === index) ?? emptySlice(scopeId, index);
}

/** Every shard of an account, from the items of one Query. */
export function shardsFromItems(items: readonly Record<string, unknown>[]): Shard[] {
  return slicesFromItems(items.filter((item) => String(item.sk).startsWith(keys.seriesPrefix))).flatMap(
    (slice) => [...slice.shards.values()],
  );
}

/** Every shard of an account: what tests read. */
export async function readAccountShards(store: Store, accountId: string): Promise<Shard[]> {
  return shardsFromItems(await queryAccount(store, accountId, keys.seriesPrefix, true)).map(
    ({ slice: _slice, ...shard }) => shard,
  );
}
