import type { AnyQueryGroup } from "../catalogue/query-group.ts";
import type { Config } from "../config/config.ts";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import type { AccountInfo, ZoneInfo } from "./discovery.ts";

/**
 * What one Map iteration collects: an account's zones (all, or a slice of its zone list
 * sorted by ID) and, for one item per account, the account's own datasets. A large
 * account becomes several items, so no Lambda carries a thousand zones; exactly-once
 * holds per shard whatever the item boundaries (every shard write is conditional).
 * Built at first use, so a cold start that parses no item does not build it.
 */
export const workItemSchema = once(() =>
  z.object({
    accountId: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
    accountName: z.string(),
    scheduledTime: z.optional(z.string()),
    /** Zones [from, to) of the account's zone list; absent: every zone. */
    zones: z.optional(
      z.tuple([z.number().check(z.int(), z.nonnegative()), z.number().check(z.int(), z.positive())]),
    ),
    /** Whether this item collects the account-level datasets (one item of each account does). */
    accountStages: z._default(z.boolean(), true),
    /** Each zone chunk is collected every this many minutes (widening.ts); 1: every minute. */
    everyMinutes: z._default(z.number().check(z.int(), z.gte(1), z.lte(60)), 1),
    /**
     * What draws from this item's GraphQL budget (the token's, or its account's under
     * account-based rate limiting): every item's zone chunks, and the accounts whose own
     * datasets are collected (a request a minute each). A first cycle keeps room for them
     * (first-cycle.ts). Absent: this item alone.
     */
    onBudget: z.optional(
      z.object({
        chunks: z.number().check(z.int(), z.nonnegative()),
        accounts: z.number().check(z.int(), z.nonnegative()),
        /** The other items' chunks that wait to begin (a first cycle); absent: taken to be as far along as this item. */
        othersWaiting: z.optional(z.number().check(z.int(), z.nonnegative())),
      }),
    ),
  }),
);
type WorkItemSchema = ReturnType<typeof workItemSchema>;
export type WorkItem = z.input<WorkItemSchema>;
export type WorkScope = Partial<
  Pick<z.output<WorkItemSchema>, "zones" | "accountStages" | "everyMinutes" | "scheduledTime" | "onBudget">
>;

/** The account's items: one per `zonesPerItem` zones, the first also doing the account's own datasets. */
export function planWorkItems(
  account: AccountInfo,
  zoneCount: number | undefined,
  zonesPerItem: number,
  scheduledTime?: string,
  everyMinutes = 1,
): WorkItem[] {
  const base = {
    accountId: account.id,
    accountName: account.name,
    ...(scheduledTime ? { scheduledTime } : {}),
    ...(everyMinutes > 1 ? { everyMinutes } : {}),
  };
  // Zones unknown (discovery failed) or few: the fetcher handles the whole account as before.
  if (zoneCount === undefined || zoneCount <= zonesPerItem) return [base];
  const items: WorkItem[] = [];
  for (let from = 0; from < zoneCount; from += zonesPerItem) {
    items.push({
      ...base,
      zones: [from, Math.min(zoneCount, from + zonesPerItem)],
      accountStages: from === 0,
    });
  }
  return items;
}

/** The slice of the zone list an item covers. */
export function zonesOfItem(zones: readonly ZoneInfo[], scope: WorkScope | undefined): ZoneInfo[] {
  if (!scope?.zones) return [...zones];
  const [from, to] = scope.zones;
  return zones.slice(from, to);
}

/** The lease of an item: items of one account run side by side, a repeated item does not. */
export function leaseIdOf(accountId: string, scope: WorkScope | undefined): string {
  return scope?.zones ? `${accountId}#${scope.zones[0]}-${scope.zones[1]}` : accountId;
}

/** The datasets a fetcher of this account asks zone settings for (none for free-tier accounts). */
export function zoneGroupsOf(
  config: Pick<Config, "cfFreeTierAccounts">,
  groups: readonly AnyQueryGroup[],
  accountId: string,
): AnyQueryGroup[] {
  if (config.cfFreeTierAccounts.includes(accountId)) return [];
  return groups.filter((group) => group.scope === "zone");
}
