import { z } from "zod";
import { type AccountInfo, discoverAccounts, discoverZones } from "../collect/discovery.ts";
import type { FetchDeps } from "../collect/fetch-account.ts";
import { isRefreshDue } from "../collect/windows.ts";
import { planWorkItems, type WorkItem, zoneGroupsOf } from "../collect/work-items.ts";
import { runtimeFromEnvironment } from "./environment.ts";

/** The state machine's first step: the work items to fetch (an account, or a slice of a large one's zones), one Map item each. */
export const discoverInputSchema = z.object({ scheduledTime: z.string().optional() }).loose();

export async function discover(
  deps: FetchDeps,
  event: unknown,
): Promise<{ accounts: WorkItem[]; skipped?: string }> {
  const { scheduledTime } = discoverInputSchema.parse(event ?? {});
  // The schedule ticks every minute; a longer refresh interval collects on the ticks that
  // fall on its multiples (judged by the scheduled time, so a late start still counts).
  const scheduled = scheduledTime ? Date.parse(scheduledTime) : Number.NaN;
  const tick = (Number.isNaN(scheduled) ? deps.clock() : scheduled) / 1000;
  if (!isRefreshDue(tick, deps.config.metricRefreshIntervalSeconds)) {
    return {
      accounts: [],
      skipped: `not a refresh tick (every ${deps.config.metricRefreshIntervalSeconds} s)`,
    };
  }
  const accounts = await discoverAccounts(deps);
  const items: WorkItem[] = [];
  for (const account of accounts) {
    items.push(
      ...planWorkItems(account, await zoneCount(deps, account), deps.config.zonesPerWorkItem, scheduledTime),
    );
  }
  return { accounts: items };
}

/**
 * How many zones the account has (the cached list the fetchers read too), so a large account
 * becomes several work items; unknown when discovery fails, and the fetcher then tries itself.
 */
async function zoneCount(deps: FetchDeps, account: AccountInfo): Promise<number | undefined> {
  const datasets = new Set(zoneGroupsOf(deps.config, deps.groups, account.id).map((g) => g.dataset));
  try {
    return (await discoverZones(deps, account, [...datasets])).length;
  } catch (error) {
    deps.logger.warn("zone discovery failed; the account is one work item", { accountId: account.id, error });
    return undefined;
  }
}

export const handler = async (event: unknown) => discover(await runtimeFromEnvironment(), event);
