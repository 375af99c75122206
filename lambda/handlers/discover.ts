import * as z from "zod";
import { discoverAccounts } from "../collect/discovery.ts";
import type { FetchDeps } from "../collect/fetch-account.ts";
import { isRefreshDue } from "../collect/windows.ts";
import { runtimeFromEnvironment } from "./environment.ts";

/** The state machine's first step: the accounts to fetch, one Map item each. */
export const discoverInputSchema = z.object({ scheduledTime: z.string().optional() }).loose();

export interface AccountItem {
  accountId: string;
  accountName: string;
  scheduledTime?: string;
}

export async function discover(
  deps: FetchDeps,
  event: unknown,
): Promise<{ accounts: AccountItem[]; skipped?: string }> {
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
  return {
    accounts: accounts.map((account) => ({
      accountId: account.id,
      accountName: account.name,
      ...(scheduledTime ? { scheduledTime } : {}),
    })),
  };
}

export const handler = async (event: unknown) => discover(await runtimeFromEnvironment(), event);
