import { firstCycleLoad } from "../collect/chunk-schedule.ts";
import { type AccountInfo, discoverAccounts, discoverZones } from "../collect/discovery.ts";
import type { FetchDeps } from "../collect/fetch-account.ts";
import { maxZonesPerQuery } from "../collect/limits.ts";
import { packSize } from "../collect/request-ceiling.ts";
import {
  type AccountLoad,
  chunkRequests,
  itemRequests,
  mapConcurrency,
  widenMinutes,
} from "../collect/widening.ts";
import { isRefreshDue } from "../collect/windows.ts";
import { planWorkItems, type WorkItem, zoneGroupsOf } from "../collect/work-items.ts";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import { readCeiling } from "../store/ceiling.ts";
import { runtimeFromEnvironment } from "./environment.ts";

/** The state machine's first step: the work items to fetch (an account, or a slice of a large one's zones), one Map item each. */
export const discoverInputSchema = once(() =>
  z.looseObject({
    scheduledTime: z.optional(z.string()),
    /** The operator's cap on the Map's concurrency (the stack's `maxConcurrency`, in the schedule's input). */
    maxConcurrency: z._default(z.number().check(z.int(), z.gte(1), z.lte(40)), 10),
  }),
);

export async function discover(
  deps: FetchDeps,
  event: unknown,
): Promise<{ accounts: WorkItem[]; maxConcurrency: number; skipped?: string }> {
  const { scheduledTime, maxConcurrency: cap } = discoverInputSchema().parse(event ?? {});
  // The schedule ticks every minute; a longer refresh interval collects on the ticks that
  // fall on its multiples (judged by the scheduled time, so a late start still counts).
  const scheduled = scheduledTime ? Date.parse(scheduledTime) : Number.NaN;
  const tick = (Number.isNaN(scheduled) ? deps.clock() : scheduled) / 1000;
  if (!isRefreshDue(tick, deps.config.metricRefreshIntervalSeconds)) {
    return {
      accounts: [],
      maxConcurrency: 1,
      skipped: `not a refresh tick (every ${deps.config.metricRefreshIntervalSeconds} s)`,
    };
  }
  const accounts = await discoverAccounts(deps);
  const loads = await Promise.all(accounts.map((account) => accountLoad(deps, account)));
  const everyMinutes = widening(deps, loads);
  const items = accounts.flatMap((account, i) =>
    planWorkItems(account, loads[i]?.zones, deps.config.zonesPerWorkItem, scheduledTime, everyMinutes[i]),
  );
  const cost = (item: WorkItem) => {
    const index = accounts.findIndex((a) => a.id === item.accountId);
    const load = loads[index];
    const zones = item.zones ? item.zones[1] - item.zones[0] : (load?.zones ?? 0);
    const chunkCost = load ? chunkRequests(load, deps.config.maxDatasetsPerRequest) : 1;
    return itemRequests(zones, item.accountStages !== false, everyMinutes[index] ?? 1, chunkCost);
  };
  // Under account-based rate limiting every account brings its own budget to the Map.
  const budget =
    deps.config.graphqlRequestsPer5Minutes * (deps.config.accountBasedRateLimiting ? accounts.length : 1);
  const costs = items.map(cost);
  return {
    accounts: withBudgetSharers(deps, items, accounts, loads),
    maxConcurrency: mapConcurrency(costs, budget, cap),
  };
}

/**
 * Each item told what draws from its GraphQL budget (the token's, or its account's under
 * account-based rate limiting): every item's zone chunks and the accounts' own requests.
 */
function withBudgetSharers(
  deps: FetchDeps,
  items: readonly WorkItem[],
  accounts: readonly AccountInfo[],
  loads: readonly (DiscoveredLoad | undefined)[],
): WorkItem[] {
  const chunksOf = (item: WorkItem) => {
    const load = loads[accounts.findIndex((a) => a.id === item.accountId)];
    const zones = item.zones ? item.zones[1] - item.zones[0] : (load?.zones ?? 0);
    return load && load.zoneGroups > 0 ? Math.ceil(zones / maxZonesPerQuery) : 0;
  };
  // The items of an account come in the order its stored schedules were read in.
  const waitingOf = (item: WorkItem, index: number) => {
    const load = loads[accounts.findIndex((a) => a.id === item.accountId)];
    const place = items.slice(0, index).filter((other) => other.accountId === item.accountId).length;
    return load?.itemsWaiting[place];
  };
  const waiting = items.map(waitingOf);
  return items.map((item, index) => {
    // An item without a stored schedule may have chunks that never began: then the others are not counted.
    const sharing = items
      .map((other, at) => ({ other, at }))
      .filter(({ other }) => !deps.config.accountBasedRateLimiting || other.accountId === item.accountId);
    const chunks = sharing.reduce((sum, { other }) => sum + chunksOf(other), 0);
    const accountGroups = deps.groups.some((group) => group.scope === "account");
    const ownDatasets = accountGroups
      ? sharing.filter(({ other }) => other.accountStages !== false).length
      : 0;
    const others = sharing.filter(({ at }) => at !== index).map(({ at }) => waiting[at]);
    const known = others.every((n) => n !== undefined);
    const othersWaiting = others.reduce<number>((sum, n) => sum + (n ?? 0), 0);
    return { ...item, onBudget: { chunks, accounts: ownDatasets, ...(known ? { othersWaiting } : {}) } };
  });
}

/**
 * Each account's k (minutes between two collections of a chunk). One budget per token:
 * when it cannot afford every chunk every minute, every account widens alike. Under
 * account-based rate limiting each account is sized from its own budget.
 */
function widening(deps: FetchDeps, loads: readonly (AccountLoad | undefined)[]): number[] {
  const budget = {
    requestsPer5Minutes: deps.config.graphqlRequestsPer5Minutes,
    maxDatasetsPerRequest: deps.config.maxDatasetsPerRequest,
  };
  const known = loads.map((load) => load ?? { zones: 0, zoneGroups: 0, requestSize: 1 });
  if (deps.config.accountBasedRateLimiting) return known.map((load) => widenMinutes([load], budget));
  const everyMinutes = widenMinutes(known, budget);
  return known.map(() => everyMinutes);
}

/** An account's load, and how many chunks of each of its items wait to begin (in item order). */
type DiscoveredLoad = AccountLoad & { itemsWaiting: (number | undefined)[] };

/**
 * How many zones the account has (the cached list the fetchers read too) and what one of
 * its chunks costs, so a large account becomes several work items and a large estate
 * widens; unknown when discovery fails, and the fetcher then tries itself.
 */
async function accountLoad(deps: FetchDeps, account: AccountInfo): Promise<DiscoveredLoad | undefined> {
  const groups = zoneGroupsOf(deps.config, deps.groups, account.id);
  try {
    const zones = (await discoverZones(deps, account, [...new Set(groups.map((g) => g.dataset))])).length;
    const requestSize = packSize(await readCeiling(deps.store, account.id), false);
    const itemsWaiting = await waitingChunks(deps, account, zones);
    const waiting = {
      chunks: itemsWaiting.reduce((sum, item) => sum + (item.waiting ?? 0), 0),
      entryCost: Math.max(0, ...itemsWaiting.map((item) => item.entryCost)),
    };
    return {
      zones,
      zoneGroups: groups.length,
      requestSize,
      waiting,
      itemsWaiting: itemsWaiting.map((i) => i.waiting),
    };
  } catch (error) {
    deps.logger.warn("zone discovery failed; the account is one work item", { accountId: account.id, error });
    return undefined;
  }
}

/** Each of the account's items' chunks that wait to begin, from their stored schedules (first-cycle.ts), in item order. */
async function waitingChunks(deps: FetchDeps, account: AccountInfo, zones: number) {
  const items = planWorkItems(account, zones, deps.config.zonesPerWorkItem);
  return Promise.all(items.map((item) => firstCycleLoad(deps.store, account.id, item)));
}

export const handler = async (event: unknown) => discover(await runtimeFromEnvironment(), event);
