import { maxZonesPerQuery } from "./limits.ts";

/**
 * When one token's GraphQL budget cannot afford every zone chunk every minute, collection
 * widens evenly: each chunk is collected every k minutes (k as small as the budget allows)
 * and counts the k minutes at once, since a chunk always counts from its cursor. Figures
 * stay exact; the data age grows by k minutes, and is reported.
 */
export interface AccountLoad {
  zones: number;
  /** Zone query groups the account's zones are asked for. */
  zoneGroups: number;
  /** The most queries one request may carry (the learned ceiling; Infinity when none is known). */
  requestSize: number;
  /**
   * A first cycle: chunks that wait to begin, and the GraphQL requests the last chunk to
   * begin took (a first collection counts from the start, an hour back, so costs more).
   */
  waiting?: { chunks: number; entryCost: number };
}

/** Share of the per-minute budget left for zone chunks (discovery, probes and refusals use the rest). */
export const zoneShare = 0.8;

/** GraphQL requests one chunk of ten zones costs each minute it is collected. */
export function chunkRequests(load: AccountLoad, maxDatasetsPerRequest: number): number {
  if (load.zoneGroups === 0) return 0;
  const queries = load.zoneGroups * maxZonesPerQuery;
  return Math.max(Math.ceil(queries / load.requestSize), Math.ceil(load.zoneGroups / maxDatasetsPerRequest));
}

/**
 * k: the fewest minutes between two collections of a chunk that the budget affords. In a
 * first cycle, a chunk waiting to begin counts at what a first collection costs: every k
 * minutes the budget pays each chunk once, so the waiting ones all begin within about k
 * minutes instead of living on what the rotation leaves (which, k sized for the rotation
 * alone, dwindles to nothing as chunks join it). k falls back as they begin.
 */
export function widenMinutes(
  loads: readonly AccountLoad[],
  budget: { requestsPer5Minutes: number; maxDatasetsPerRequest: number },
): number {
  // Each account's own datasets: one request a minute, not widened.
  const perMinute = (budget.requestsPer5Minutes / 5) * zoneShare - loads.length;
  const needed = loads.reduce((sum, load) => {
    const steady = chunkRequests(load, budget.maxDatasetsPerRequest);
    const chunks = Math.ceil(load.zones / maxZonesPerQuery);
    const waiting = Math.min(chunks, load.waiting?.chunks ?? 0);
    const entry = Math.max(steady, load.waiting?.entryCost ?? 0);
    return sum + (chunks - waiting) * steady + waiting * entry;
  }, 0);
  if (needed === 0) return 1;
  return Math.min(60, Math.max(1, Math.ceil(needed / Math.max(1, perMinute))));
}

/**
 * The Map's MaxConcurrency for this execution: as many items at once as the minute's
 * GraphQL budget can feed (each item making `itemRequests` requests), never more than the
 * items or the operator's cap. An item started beyond that would only wait in its Lambda
 * for budget that the items before it are spending; in the Map's queue it waits for free.
 */
export function mapConcurrency(
  itemRequests: readonly number[],
  requestsPer5Minutes: number,
  cap: number,
): number {
  if (itemRequests.length === 0) return 1;
  const mean = itemRequests.reduce((sum, n) => sum + n, 0) / itemRequests.length;
  const fed = Math.floor(requestsPer5Minutes / 5 / Math.max(1, mean));
  return Math.max(1, Math.min(cap, itemRequests.length, fed));
}

/** GraphQL requests an item makes in a minute: its due chunks', and the account's own one. */
export function itemRequests(
  zones: number,
  accountStages: boolean,
  everyMinutes: number,
  chunkCost: number,
): number {
  return (Math.ceil(zones / maxZonesPerQuery) * chunkCost) / everyMinutes + (accountStages ? 1 : 0);
}
