import * as z from "zod";
import { type AccountInfo, accountInfoSchema, type ZoneInfo, zoneInfoSchema } from "../cloudflare/schemas.ts";
import type { Config } from "../config/config.ts";
import { documentText, readDocument, readGraphqlBlock } from "../store/items.ts";
import { decodeJournal, type JournalBody, pushKey } from "../store/push-journal.ts";
import { queryAccount, type Shard, shardsFromItems } from "../store/shards.ts";
import { emptyRunStatus, type RunStatus, runStatusFromItem } from "../store/status.ts";
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
  status: RunStatus;
  /** The push journal, when REMOTE_WRITE_URL has ever pushed for this account. */
  push?: JournalBody;
}

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

export async function readAccount(store: Store, account: AccountInfo): Promise<AccountState> {
  const state: AccountState = {
    account,
    zones: [],
    shards: [],
    status: emptyRunStatus(),
  };
  const items = await queryAccount(store, account.id);
  state.shards = shardsFromItems(items);
  for (const item of items) {
    const sk = String(item.sk);
    if (sk.startsWith(keys.seriesPrefix)) continue;
    if (sk === keys.zones) {
      const text = documentText(item);
      if (text !== undefined) state.zones = z.array(zoneInfoSchema).parse(JSON.parse(text));
    } else if (sk === pushKey && item.data instanceof Uint8Array) {
      state.push = decodeJournal(item.data);
    } else if (sk === keys.status) {
      state.status = runStatusFromItem(item);
    }
  }
  return state;
}
