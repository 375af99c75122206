import { type AccountInfo, accountInfoSchema, type ZoneInfo, zoneInfoSchema } from "../cloudflare/schemas.ts";
import type { Config } from "../config/config.ts";
import * as z from "../lib/zod.ts";
import { decodeSliceColumnMap, type ShardColumns } from "../store/columns.ts";
import type { FullRecord } from "../store/format.ts";
import { fullRecordBatches } from "../store/full-batches.ts";
import { type GraphqlBlock, readGraphqlBlocks } from "../store/graphql-blocks.ts";
import { documentText, readDocument } from "../store/items.ts";
import { decodeJournal, type JournalBody, pushKey } from "../store/push-journal.ts";
import { queryRangePages } from "../store/query.ts";
import type { Shard } from "../store/shards.ts";
import { groupSliceItems, type SliceItems } from "../store/slice-items.ts";
import { type ChainHints, eachInTurn, readChainAfter } from "../store/slice-reads.ts";
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
  /** How the accounts were read; absent: each was read whole (a reader that keeps nothing). */
  reads?: AccountReads;
}

/**
 * How a container that keeps what it read got the accounts of one read (warm-state.ts):
 * `held`, from what it kept, reading only each slice's new deltas; `read`, whole. The share
 * held is the serve side of the cost model's warm share (docs/deploy.md, "Costs, roughly").
 */
export interface AccountReads {
  accountsHeld: number;
  accountsRead: number;
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
    z.array(accountInfoSchema()),
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
    if (text !== undefined) state.zones = z.array(zoneInfoSchema()).parse(JSON.parse(text));
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
 * One account's items, read page by page: every item but the deltas in two Queries (the
 * keys either side of them), then the deltas after each slice's full record (one Query
 * each, store/slice-reads.ts), each slice decoded into columns as soon as they come (its
 * full record with the next few: store/full-batches.ts). A page's slices are read and
 * decoded while the next page is on its way. What is held is the columns, the compressed
 * full records and a batch of decoded ones, never every item of the account; the stale
 * deltas of each slice's ring are not read.
 */
export async function readAccount(
  store: Store,
  account: AccountInfo,
  hooks: ReadHooks = {},
): Promise<AccountState> {
  const state = emptyAccountState(account);
  const earlier: Record<string, unknown>[] = [];
  const decoded: Map<string, ShardColumns>[] = [];
  const take = (items: SliceItems, record?: FullRecord) => {
    const shards = decodeSliceColumnMap(items, record);
    hooks.slice?.(items, shards);
    return shards;
  };
  const hints: ChainHints = new Map();
  const current = new Set<string>();
  const pagesDecoded: Promise<void>[] = [];
  for (const range of [{ below: keys.deltaPrefix }, { above: keys.deltaEnd }])
    for await (const page of queryRangePages(store, account.id, range)) {
      const fulls: Record<string, unknown>[] = [];
      for (const item of page) {
        const sk = String(item.sk);
        if (sk.startsWith(keys.fullPrefix)) fulls.push(item);
        else if (sk.startsWith(keys.seriesPrefix)) earlier.push(item);
        else {
          takeDocument(state, sk, item);
          hooks.item?.(sk, item);
        }
      }
      for (const full of fulls) current.add(String(full.sk).slice(keys.fullPrefix.length));
      const first = decoded.length;
      decoded.length += fulls.length;
      const pageDecoded = decodeFulls(store, account.id, fulls, hints, (i, items, record) => {
        decoded[first + i] = take(items, record);
      });
      // Its failure is thrown by the Promise.all below; until then it must not count as unhandled.
      pageDecoded.catch(() => {});
      pagesDecoded.push(pageDecoded);
    }
  await Promise.all(pagesDecoded);
  // Slices in an earlier format (until their first write carries them over), after the others.
  for (const items of groupSliceItems(earlier))
    if (!current.has(`${items.scopeId}#${items.index}`)) decoded.push(take(items));
  for (const shards of decoded)
    for (const columns of shards?.values() ?? []) {
      state.shards.push(columns.shard);
      state.columns?.push(columns);
    }
  return state;
}

/** Reads the deltas after each of `fulls` (full records' items) and hands each slice to `take` with its record, decoded. */
async function decodeFulls(
  store: Store,
  accountId: string,
  fulls: Record<string, unknown>[],
  hints: ChainHints,
  take: (i: number, items: SliceItems, record: FullRecord) => void,
): Promise<void> {
  const held = fulls.map((full) => groupSliceItems([full])[0]);
  const fullRecord = fullRecordBatches(held.map((slice) => slice?.full?.data));
  await eachInTurn(fulls.length, concurrentReads, async (i) => {
    const slice = held[i];
    if (!slice?.full) return;
    const { scopeId, index } = slice;
    const chain = await readChainAfter(store, accountId, { scopeId, index, seq: slice.full.seq }, { hints });
    const [items] = groupSliceItems([fulls[i] as Record<string, unknown>, ...chain]);
    if (items) take(i, items, fullRecord(i));
  });
}

/**
 * Slices whose deltas are read at once. Each is one small Query, so a cold read waits on
 * their round trips more than on their bytes: 16 at once took a cold 100-zone scrape from
 * 1,060-1,165 ms to 971-1,071 (three pairs side by side), for a few MB more held.
 */
const concurrentReads = 16;
