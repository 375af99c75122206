import { type AccountInfo, accountInfoSchema, type ZoneInfo, zoneInfoSchema } from "../cloudflare/schemas.ts";
import type { Config } from "../config/config.ts";
import * as z from "../lib/zod.ts";
import { decodeSliceColumns, type ShardColumns } from "../store/columns.ts";
import { type GraphqlBlock, readGraphqlBlocks } from "../store/graphql-blocks.ts";
import { documentText, readDocument } from "../store/items.ts";
import { decodeJournal, type JournalBody, pushKey } from "../store/push-journal.ts";
import { queryPages, type Shard } from "../store/shards.ts";
import { sliceItemsInKeyOrder } from "../store/slice-items.ts";
import { emptyRunStatus, type RunStatus, runStatusFromItem } from "../store/status.ts";
import { accountListKey, keys, type Store } from "../store/table.ts";

/**
 * Everything the endpoint shows, read from DynamoDB with one Query per account (plus the
 * account list). It never calls Cloudflare.
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

export async function readState(store: Store, config: Config): Promise<StoredState> {
  const listed = await readDocument(
    store,
    keys.discovery,
    accountListKey(config.cfAccounts),
    z.array(accountInfoSchema),
  );
  const [accounts, graphqlBlocks] = await Promise.all([
    Promise.all((listed?.value ?? []).map((account) => readAccount(store, account))),
    readGraphqlBlocks(store),
  ]);
  return { accounts, graphqlBlocks };
}

/**
 * One account's items, read page by page: each slice is decoded into columns as soon as
 * its last item has come and its items are let go, so what is held is the columns (and
 * one page), never every item of the account.
 */
export async function readAccount(store: Store, account: AccountInfo): Promise<AccountState> {
  const state: AccountState = {
    account,
    zones: [],
    shards: [],
    columns: [],
    status: emptyRunStatus(),
  };
  const slices = sliceItemsInKeyOrder();
  const take = (decoded: readonly ShardColumns[]) => {
    for (const columns of decoded) {
      state.shards.push(columns.shard);
      state.columns?.push(columns);
    }
  };
  for await (const page of queryPages(store, account.id)) {
    for (const item of page) {
      const sk = String(item.sk);
      if (sk.startsWith(keys.seriesPrefix)) {
        const slice = slices.add(item);
        if (slice) take(decodeSliceColumns(slice));
      } else if (sk === keys.zones) {
        const text = documentText(item);
        if (text !== undefined) state.zones = z.array(zoneInfoSchema).parse(JSON.parse(text));
      } else if (sk === pushKey && item.data instanceof Uint8Array) {
        state.push = decodeJournal(item.data);
      } else if (sk === keys.status) {
        state.status = runStatusFromItem(item);
      }
    }
  }
  for (const slice of slices.end()) take(decodeSliceColumns(slice));
  return state;
}
