import * as z from "zod";
import { type AccountInfo, accountInfoSchema, type ZoneInfo, zoneInfoSchema } from "../cloudflare/schemas.ts";
import type { Config } from "../config/config.ts";
import { readDocument, readGraphqlBlock } from "../store/items.ts";
import { queryAccount, type Shard, shardsFromItems } from "../store/shards.ts";
import { accountListKey, keys, type Store } from "../store/table.ts";

/**
 * Everything the endpoint shows, read from DynamoDB with one Query per account (plus the
 * account list). It never calls Cloudflare.
 */
export interface AccountState {
  account: AccountInfo;
  zones: ZoneInfo[];
  shards: Shard[];
  /** Persisted counters and the last run's summary. */
  status: {
    errors: Map<string, number>;
    graphqlRequests: number;
    restRequests: number;
    rateLimitEvents: number;
    lastRun: LastRun | undefined;
  };
}

const lastRunSchema = z
  .object({
    finishedAt: z.number(),
    minutesCounted: z.number(),
    errorCount: z.number(),
    skipped: z.string().optional(),
  })
  .loose();
export type LastRun = z.output<typeof lastRunSchema>;

export interface StoredState {
  accounts: AccountState[];
  /** Until when Cloudflare said the token's GraphQL budget is spent (Unix ms); absent or past: available. */
  graphqlBlockedUntilMs?: number;
}

export async function readState(store: Store, config: Config): Promise<StoredState> {
  const listed = await readDocument(
    store,
    keys.discovery,
    accountListKey(config.cfAccounts),
    z.array(accountInfoSchema),
  );
  const [accounts, graphqlBlockedUntilMs] = await Promise.all([
    Promise.all((listed?.value ?? []).map((account) => readAccount(store, account))),
    readGraphqlBlock(store),
  ]);
  return { accounts, graphqlBlockedUntilMs };
}

async function readAccount(store: Store, account: AccountInfo): Promise<AccountState> {
  const state: AccountState = {
    account,
    zones: [],
    shards: [],
    status: {
      errors: new Map(),
      graphqlRequests: 0,
      restRequests: 0,
      rateLimitEvents: 0,
      lastRun: undefined,
    },
  };
  const items = await queryAccount(store, account.id);
  state.shards = shardsFromItems(items);
  for (const item of items) {
    const sk = String(item.sk);
    if (sk.startsWith(keys.seriesPrefix)) continue;
    if (sk === keys.zones && typeof item.document === "string") {
      state.zones = z.array(zoneInfoSchema).parse(JSON.parse(item.document));
    } else if (sk === keys.status) {
      for (const [name, value] of Object.entries(item)) {
        if (name.startsWith("error:") && typeof value === "number")
          state.status.errors.set(name.slice(6), value);
      }
      state.status.graphqlRequests = Number(item.graphqlRequests ?? 0);
      state.status.restRequests = Number(item.restRequests ?? 0);
      state.status.rateLimitEvents = Number(item.rateLimitEvents ?? 0);
      const lastRun = lastRunSchema.safeParse(item.lastRun);
      state.status.lastRun = lastRun.success ? lastRun.data : undefined;
    }
  }
  return state;
}
