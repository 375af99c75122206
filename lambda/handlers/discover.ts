import { z } from "zod";
import { discoverAccounts } from "../collect/discovery.ts";
import type { FetchDeps } from "../collect/fetch-account.ts";
import { runtimeFromEnvironment } from "./environment.ts";

/** The state machine's first step: the accounts to fetch, one Map item each. */
export const discoverInputSchema = z.object({ scheduledTime: z.string().optional() }).loose();

export interface AccountItem {
  accountId: string;
  accountName: string;
  scheduledTime?: string;
}

export async function discover(deps: FetchDeps, event: unknown): Promise<{ accounts: AccountItem[] }> {
  const { scheduledTime } = discoverInputSchema.parse(event ?? {});
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
