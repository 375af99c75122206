import type { AccountInfo } from "../cloudflare/schemas.ts";
import type { Config } from "../config/config.ts";
import { pushKey } from "../store/push-journal.ts";
import { sliceIdsFromItem } from "../store/slice-index.ts";
import { readAccountItems } from "../store/slice-reads.ts";
import { keys, type Store } from "../store/table.ts";
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
import {
  type AccountReads,
  type AccountState,
  emptyAccountState,
  readAccount,
  readState,
  type StoredState,
  takeDocument,
} from "./state.ts";

/**
 * The state read by a container that keeps what it read (scrape-cache.ts): each account it
 * holds is read warm (only what changed since), the others cold, and kept. Both give the
 * same state for the same stored items.
 */
export function readStateWarm(store: Store, config: Config, cache: ScrapeCache): Promise<StoredState> {
  return inTurn(cache, async () => {
    const reads: AccountReads = { accountsHeld: 0, accountsRead: 0 };
    const state = await readState(store, config, async (s, account) => {
      const kept = await readAccountKept(s, account, cache);
      if (kept.held) reads.accountsHeld++;
      else reads.accountsRead++;
      return kept.state;
    });
    return { ...state, reads };
  });
}

/** The account, and whether it came from what the container held (else it was read whole). */
async function readAccountKept(
  store: Store,
  account: AccountInfo,
  cache: ScrapeCache,
): Promise<{ state: AccountState; held: boolean }> {
  const held = heldAccount(cache, account.id);
  if (held) {
    try {
      const state = await readAccountWarm(store, account, held.slices);
      if (state) {
        keepAccount(cache, account.id, held.slices, held.warmReads + 1);
        return { state, held: true };
      }
    } catch {
      // A held slice may be part-way through a delta: the account is read whole.
    }
  }
  keepAccount(cache, account.id, undefined, 0);
  // Kept only when it can be read warm next time: a slice index to find new slices by, no slice in format 1.
  let slices: Map<string, HeldSlice> | undefined = new Map();
  let indexed = false;
  const state = await readAccount(store, account, {
    slice(items, shards) {
      const kept = heldFromItems(items, shards);
      if (!kept) slices = undefined;
      else slices?.set(`${items.scopeId}#${items.index}`, kept);
    },
    item(sk, item) {
      if (sk === keys.sliceIndex) indexed = sliceIdsFromItem(item) !== undefined;
    },
  });
  keepAccount(cache, account.id, indexed ? slices : undefined, 0);
  return { state, held: false };
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
