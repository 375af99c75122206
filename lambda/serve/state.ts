import * as z from "zod";
import { type AccountInfo, accountInfoSchema, type ZoneInfo, zoneInfoSchema } from "../cloudflare/schemas.ts";
import type { Config } from "../config/config.ts";
import { decodeSliceColumnMap, type ShardColumns } from "../store/columns.ts";
import { documentText, readDocument, readGraphqlBlock } from "../store/items.ts";
import { decodeJournal, type JournalBody, pushKey } from "../store/push-journal.ts";
import { queryPages, type Shard } from "../store/shards.ts";
import { sliceIdsFromItem } from "../store/slice-index.ts";
import { type SliceItems, sliceItemsInKeyOrder } from "../store/slice-items.ts";
import { readAccountItems } from "../store/slice-reads.ts";
import { emptyRunStatus, type RunStatus, runStatusFromItem } from "../store/status.ts";
import { accountListKey, keys, type Store } from "../store/table.ts";
import {
  advanceSlices,
  type HeldSlice,
  heldAccount,
  heldFromItems,
  inKeyOrder,
  inTurn,
  keepAccount,
  type ScrapeCache,
} from "./scrape-cache.ts";

/**
 * Everything the endpoint shows, read from DynamoDB with one Query per account (plus the
 * account list), or, by a container that keeps what it read (`cache`, scrape-cache.ts),
 * with only what changed since. It never calls Cloudflare.
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
  /** Until when Cloudflare said the token's GraphQL budget is spent (Unix ms); absent or past: available. */
  graphqlBlockedUntilMs?: number;
}

export async function readState(store: Store, config: Config, cache?: ScrapeCache): Promise<StoredState> {
  if (cache) return inTurn(cache, () => readStateOnce(store, config, cache));
  return readStateOnce(store, config);
}

async function readStateOnce(store: Store, config: Config, cache?: ScrapeCache): Promise<StoredState> {
  const listed = await readDocument(
    store,
    keys.discovery,
    accountListKey(config.cfAccounts),
    z.array(accountInfoSchema),
  );
  const [accounts, graphqlBlockedUntilMs] = await Promise.all([
    Promise.all((listed?.value ?? []).map((account) => readAccount(store, account, cache))),
    readGraphqlBlock(store),
  ]);
  return { accounts, graphqlBlockedUntilMs };
}

/**
 * One account's state: warm (what changed since the container's last read of it) when it
 * holds the account, else every item. Both give the same state for the same stored items.
 */
export async function readAccount(
  store: Store,
  account: AccountInfo,
  cache?: ScrapeCache,
): Promise<AccountState> {
  const held = cache && heldAccount(cache, account.id);
  if (cache && held) {
    try {
      const state = await readAccountWarm(store, account, held.slices);
      if (state) {
        keepAccount(cache, account.id, held.slices, held.warmReads + 1);
        return state;
      }
    } catch {
      // A held slice may be part-way through a delta: the account is read whole.
    }
    keepAccount(cache, account.id, undefined, 0);
  }
  const { state, slices } = await readAccountCold(store, account);
  if (cache) keepAccount(cache, account.id, slices, 0);
  return state;
}

const emptyAccountState = (account: AccountInfo): AccountState => ({
  account,
  zones: [],
  shards: [],
  columns: [],
  status: emptyRunStatus(),
});

/** Takes an item that is not a series into the state (the zone list, run status, push journal). */
function takeDocument(state: AccountState, sk: string, item: Record<string, unknown>): void {
  if (sk === keys.zones) {
    const text = documentText(item);
    if (text !== undefined) state.zones = z.array(zoneInfoSchema).parse(JSON.parse(text));
  } else if (sk === pushKey && item.data instanceof Uint8Array) {
    state.push = decodeJournal(item.data);
  } else if (sk === keys.status) {
    state.status = runStatusFromItem(item);
  }
}

/**
 * One account's items, read page by page: each slice is decoded into columns as soon as
 * its last item has come and its items are let go, so what is held is the columns (and
 * one page), never every item of the account. Also returns the slices as decoded, for a
 * cache to keep: none when the account cannot be read warm (no slice index, or a slice in format 1).
 */
async function readAccountCold(
  store: Store,
  account: AccountInfo,
): Promise<{ state: AccountState; slices?: Map<string, HeldSlice> }> {
  const state = emptyAccountState(account);
  let slices: Map<string, HeldSlice> | undefined = new Map();
  let indexed = false;
  const reader = sliceItemsInKeyOrder();
  const take = (items: SliceItems) => {
    const shards = decodeSliceColumnMap(items);
    for (const columns of shards.values()) {
      state.shards.push(columns.shard);
      state.columns?.push(columns);
    }
    const held = heldFromItems(items, shards);
    if (!held) slices = undefined;
    else slices?.set(`${items.scopeId}#${items.index}`, held);
  };
  for await (const page of queryPages(store, account.id)) {
    for (const item of page) {
      const sk = String(item.sk);
      if (sk.startsWith(keys.seriesPrefix)) {
        const slice = reader.add(item);
        if (slice) take(slice);
      } else if (sk === keys.sliceIndex) indexed = sliceIdsFromItem(item) !== undefined;
      else takeDocument(state, sk, item);
    }
  }
  for (const slice of reader.end()) take(slice);
  return { state, ...(indexed && slices ? { slices } : {}) };
}

/**
 * The account from its held slices, each moved on by the writes after it, and its few
 * other items read again. Undefined when it cannot be read warm (no slice index to find
 * new slices by, or a slice in format 1).
 */
async function readAccountWarm(
  store: Store,
  account: AccountInfo,
  slices: Map<string, HeldSlice>,
): Promise<AccountState | undefined> {
  const items = await readAccountItems(store, account.id, [
    keys.zones,
    keys.status,
    pushKey,
    keys.sliceIndex,
  ]);
  const indexed = sliceIdsFromItem(items.get(keys.sliceIndex));
  if (!indexed || !(await advanceSlices(store, account.id, slices, indexed))) return undefined;
  const state = emptyAccountState(account);
  for (const [sk, item] of items) takeDocument(state, sk, item);
  for (const slice of inKeyOrder(slices.values()))
    for (const columns of slice.shards.values()) {
      state.shards.push(columns.shard);
      state.columns?.push(columns);
    }
  return state;
}
