import { seriesCount } from "./series-facts.ts";
import type { SliceRef } from "./shard.ts";
import type { Store } from "./table.ts";

/**
 * The slices this container last read or wrote, kept across invocations so that a warm
 * fetcher need not read (and decode) a slice it wrote itself a minute ago.
 *
 * Nothing here is trusted: a cached slice is only the base of the next conditional write,
 * and that write succeeds only if the slice is still at the cached write number (its
 * delta slot holds nothing newer). A slice another fetcher moved on fails the condition;
 * the writer drops it from the cache, reads the slice as stored and goes on from there,
 * as it does for any conflict. A cached slice is always the true state of its write
 * number: it came from a read (a chain of immutable writes) or from a write that succeeded.
 *
 * Caches are per DynamoDB client (one per container) and table, and hold at most
 * `maxCachedSeries` series (least recently used slices leave first), so a container that
 * serves many accounts stays within its memory.
 */
export const maxCachedSeries = 300_000;

interface Cached {
  slice: SliceRef;
  series: number;
}

interface Cache {
  slices: Map<string, Cached>;
  series: number;
  /** Reads of each zone's state by account, then zone, since the cache began (countZoneRead). */
  zoneReads: Map<string, Map<string, ZoneReads>>;
}

/**
 * How often a zone's state was in this container when a fetcher read it: `held`, every
 * wanted slice was cached and the zone was not read; `read`, it was read from the table.
 * The share of zone-minutes held is what the cost model's warm share stands for
 * (docs/deploy.md, "Costs, roughly"). Kept per account, so that runs of other accounts in
 * one process (local mode) do not count in an account's run; one entry per zone.
 */
export interface ZoneReads {
  held: number;
  read: number;
}

const caches = new WeakMap<object, Map<string, Cache>>();

function cacheOf(store: Store): Cache {
  let byTable = caches.get(store.client);
  if (!byTable) {
    byTable = new Map();
    caches.set(store.client, byTable);
  }
  let cache = byTable.get(store.tableName);
  if (!cache) {
    cache = { slices: new Map(), series: 0, zoneReads: new Map() };
    byTable.set(store.tableName, cache);
  }
  return cache;
}

const keyOf = (accountId: string, scopeId: string, index: number) => `${accountId}#${scopeId}#${index}`;

const seriesOf = (slice: SliceRef) => {
  let n = 0;
  for (const shard of slice.shards.values()) n += seriesCount(shard.series);
  return n;
};

/** The cached slice, if any (and marks it recently used). */
export function cachedSlice(
  store: Store,
  accountId: string,
  scopeId: string,
  index: number,
): SliceRef | undefined {
  const cache = cacheOf(store);
  const key = keyOf(accountId, scopeId, index);
  const entry = cache.slices.get(key);
  if (!entry) return undefined;
  cache.slices.delete(key);
  cache.slices.set(key, entry);
  return entry.slice;
}

/** Remembers a slice as read or written (never one with format-1 items still to delete). */
export function cacheSlice(store: Store, accountId: string, slice: SliceRef): void {
  if (slice.legacy.length > 0) return;
  const cache = cacheOf(store);
  const key = keyOf(accountId, slice.scopeId, slice.index);
  forget(cache, key);
  const series = seriesOf(slice);
  cache.slices.set(key, { slice, series });
  cache.series += series;
  for (const [oldest] of cache.slices) {
    if (cache.series <= maxCachedSeries) break;
    forget(cache, oldest);
  }
}

/** Forgets a slice: a write of it failed, or what it holds is no longer known. */
export function dropSlice(store: Store, accountId: string, scopeId: string, index: number): void {
  forget(cacheOf(store), keyOf(accountId, scopeId, index));
}

function forget(cache: Cache, key: string): void {
  const entry = cache.slices.get(key);
  if (!entry) return;
  cache.series -= entry.series;
  cache.slices.delete(key);
}

/** Counts one read of a zone's state: taken from this container (`held`) or from the table. */
export function countZoneRead(store: Store, accountId: string, scopeId: string, held: boolean): void {
  const reads = cacheOf(store).zoneReads;
  let zones = reads.get(accountId);
  if (!zones) {
    zones = new Map();
    reads.set(accountId, zones);
  }
  const counted = zones.get(scopeId) ?? { held: 0, read: 0 };
  zones.set(scopeId, held ? { ...counted, held: counted.held + 1 } : { ...counted, read: counted.read + 1 });
}

/** The account's reads of each zone counted so far by this container: a run takes them before and after. */
export function zoneReadsOf(store: Store, accountId: string): ReadonlyMap<string, ZoneReads> {
  return new Map(cacheOf(store).zoneReads.get(accountId));
}

/**
 * The zones whose state a run (between `before` and `after`) found held, every read of it
 * answered by the container, and those it read from the table at least once; a zone read
 * twice in a run (its chunk, then its snapshots) counts once.
 */
export function zonesOfRun(
  before: ReadonlyMap<string, ZoneReads>,
  after: ReadonlyMap<string, ZoneReads>,
): ZoneReads {
  const zones = { held: 0, read: 0 };
  for (const [scopeId, counted] of after) {
    const earlier = before.get(scopeId) ?? { held: 0, read: 0 };
    if (counted.read > earlier.read) zones.read++;
    else if (counted.held > earlier.held) zones.held++;
  }
  return zones;
}
