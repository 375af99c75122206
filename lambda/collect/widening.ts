import { fnv1a } from "../lib/hash.ts";
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
}

/** Share of the per-minute budget left for zone chunks (discovery, probes and refusals use the rest). */
const zoneShare = 0.8;

/** GraphQL requests one chunk of ten zones costs each minute it is collected. */
export function chunkRequests(load: AccountLoad, maxDatasetsPerRequest: number): number {
  if (load.zoneGroups === 0) return 0;
  const queries = load.zoneGroups * maxZonesPerQuery;
  return Math.max(Math.ceil(queries / load.requestSize), Math.ceil(load.zoneGroups / maxDatasetsPerRequest));
}

/** k: the fewest minutes between two collections of a chunk that the budget affords. */
export function widenMinutes(
  loads: readonly AccountLoad[],
  budget: { requestsPer5Minutes: number; maxDatasetsPerRequest: number },
): number {
  // Each account's own datasets: one request a minute, not widened.
  const perMinute = (budget.requestsPer5Minutes / 5) * zoneShare - loads.length;
  const needed = loads.reduce(
    (sum, load) =>
      sum + Math.ceil(load.zones / maxZonesPerQuery) * chunkRequests(load, budget.maxDatasetsPerRequest),
    0,
  );
  if (needed === 0) return 1;
  return Math.min(60, Math.max(1, Math.ceil(needed / Math.max(1, perMinute))));
}

/** Whether the chunk (its index in the account's zone list) is collected in this minute. */
export function chunkDue(
  accountId: string,
  chunkIndex: number,
  minute: number,
  everyMinutes: number,
): boolean {
  if (everyMinutes <= 1) return true;
  // Accounts start at different offsets, so each minute carries an even share.
  return (chunkIndex + fnv1a(accountId)) % everyMinutes === minute % everyMinutes;
}
