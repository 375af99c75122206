import { type AccountInfo, accountInfoSchema, type ZoneInfo, zoneInfoSchema } from "../cloudflare/schemas.ts";
import type { Config } from "../config/config.ts";
import * as z from "../lib/zod.ts";
import { decodeSliceColumnMap, type ShardColumns } from "../store/columns.ts";
import { type GraphqlBlock, readGraphqlBlocks } from "../store/graphql-blocks.ts";
import { documentText, readDocument } from "../store/items.ts";
import { decodeJournal, type JournalBody, pushKey } from "../store/push-journal.ts";
import { queryPages, type Shard } from "../store/shards.ts";
import { type SliceItems, sliceItemsInKeyOrder } from "../store/slice-items.ts";
import { emptyRunStatus, type RunStatus, runStatusFromItem } from "../store/status.ts";
import { accountListKey, keys, type Store } from "../store/table.ts";

/**
 * Everything the endpoint shows, read from DynamoDB with one Query per account (plus the
 * account list); a container that keeps what it read reads only what changed since
 * (warm-state.ts). It never calls Cloudflare.
 */
export interface AccountState {
  account: AccountInfo;
  zones: ZoneInfo[];
  /** Every shard of the account. Read from the store, their series are in `columns` and each `series` is empty. */
  shards: Shard[];
  /** The series of `shards`, shard by shard, in columns: what a read from the store gives. */
  columns?: ShardColumns[];
  /** Persisted counters and the last run's summary. */
  status: RunStatus;
  /** The push journal, when REMOTE_WRITE_URL has ever pushed for this account. */
  push?: JournalBody;
}

export interface StoredState {
  accounts: AccountState[];
  /**
   * Every time Cloudflare said a GraphQL budget is spent (the token's, or an account's under
   * account-based rate limiting) and until when; absent or past: available.
   */
  graphqlBlocks?: GraphqlBlock[];
}

export async function readState(
  store: Store,
  config: Config,
  readOne: (store: Store, account: AccountInfo) => Promise<AccountState> = readAccount,
): Promise<StoredState> {
  const listed = await readDocument(
    store,
    keys.discovery,
    accountListKey(config.cfAccounts),
    z.array(accountInfoSchema),
  );
  const [accounts, graphqlBlocks] = await Promise.all([
    Promise.all((listed?.value ?? []).map((account) => readOne(store, account))),
    readGraphqlBlocks(store),
  ]);
  return { accounts, graphqlBlocks };
}

export const emptyAccountState = (account: AccountInfo): AccountState => ({
  account,
  zones: [],
  shards: [],
  columns: [],
  status: emptyRunStatus(),
});

/** Takes an item that is not a series into the state (the zone list, run status, push journal). */
export function takeDocument(state: AccountState, sk: string, item: Record<string, unknown>): void {
  if (sk === keys.zones) {
    const text = documentText(item);
    if (text !== undefined) state.zones = z.array(zoneInfoSchema).parse(JSON.parse(text));
  } else if (sk === pushKey && item.data instanceof Uint8Array) {
    state.push = decodeJournal(item.data);
  } else if (sk === keys.status) {
    state.status = runStatusFromItem(item);
  }
}

/** What a reader that keeps the state is handed as a cold read goes: each slice as decoded, and the items that are not series. */
export interface ReadHooks {
  slice?(items: SliceItems, shards: Map<string, ShardColumns>): void;
  item?(sk: string, item: Record<string, unknown>): void;
}

/**
 * One account's items, read page by page: each slice is decoded into columns as soon as
 * its last item has come and its items are let go, so what is held is the columns (and
 * one page), never every item of the account.
 */
export async function readAccount(
  store: Store,
  account: AccountInfo,
  hooks: ReadHooks = {},
): Promise<AccountState> {
  const state = emptyAccountState(account);
  const reader = sliceItemsInKeyOrder();
  const take = (items: SliceItems) => {
    const shards = decodeSliceColumnMap(items);
    for (const columns of shards.values()) {
      state.shards.push(columns.shard);
      state.columns?.push(columns);
    }
    hooks.slice?.(items, shards);
  };
  for await (const page of queryPages(store, account.id)) {
    for (const item of page) {
      const sk = String(item.sk);
      if (sk.startsWith(keys.seriesPrefix)) {
        const slice = reader.add(item);
        if (slice) take(slice);
      } else {
        takeDocument(state, sk, item);
        hooks.item?.(sk, item);
      }
    }
  }
  for (const slice of reader.end()) take(slice);
  return state;
}
