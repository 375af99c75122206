import { BatchGetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { checkFormat } from "./format.ts";
import { queryAccount } from "./shards.ts";
import { groupSliceItems, type SliceItems } from "./slice-items.ts";
import { ringSize } from "./slices.ts";
import { keys, type Store } from "./table.ts";

/**
 * The reads of a reader that holds a slice as of write n and wants what came after: the
 * ring slots after n (write m lies in slot m mod ringSize), a few at a time, and the
 * whole slice when the ring cannot say.
 */

/**
 * Slots read at once: a Query is billed on the bytes it reads, summed, per started 4 KB,
 * so three slots of deltas (about 1 KB each, the new ones and the older writes they will
 * replace) cost what one does.
 */
export const slotsPerRead = 3;

const deltaItem = z.object({
  sk: z.string(),
  seq: z.number().int().positive(),
  data: z.instanceof(Uint8Array),
});

/** What the ring holds after write `seq`: the deltas that follow it, in write order, up to the first missing. */
export interface RingRead {
  deltas: Uint8Array[];
  /** The chain cannot be followed from `seq` (the ring went round past it): read the whole slice. */
  broken: boolean;
}

export async function readDeltasAfter(
  store: Store,
  accountId: string,
  scopeId: string,
  index: number,
  seq: number,
): Promise<RingRead> {
  const deltas: Uint8Array[] = [];
  for (let next = seq + 1; deltas.length < ringSize; ) {
    const first = next % ringSize;
    const last = Math.min(ringSize - 1, first + slotsPerRead - 1);
    const bySlot = new Map<string, Record<string, unknown>>();
    for (const item of await queryRange(
      store,
      accountId,
      keys.sliceDelta(scopeId, index, first),
      keys.sliceDelta(scopeId, index, last),
    ))
      bySlot.set(String(item.sk), item);
    for (let slot = first; slot <= last; slot++, next++) {
      const raw = bySlot.get(keys.sliceDelta(scopeId, index, slot));
      if (!raw) return { deltas, broken: false };
      checkFormat(String(raw.sk), raw.format);
      const item = deltaItem.parse(raw);
      // Slot `slot` holds writes slot, slot + ringSize…: an older one there means write `next` is not yet.
      if (item.seq % ringSize !== slot) return { deltas, broken: true };
      if (item.seq < next) return { deltas, broken: false };
      if (item.seq > next) return { deltas, broken: true };
      deltas.push(item.data);
    }
  }
  return { deltas, broken: true };
}

/** Items of the account with sort keys from `from` to `to` (eventually consistent). */
async function queryRange(store: Store, accountId: string, from: string, to: string) {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.client.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: { ":pk": keys.account(accountId), ":from": from, ":to": to },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every item of one slice in format 2, grouped (absent: nothing stored yet). */
export async function readSliceItems(
  store: Store,
  accountId: string,
  scopeId: string,
  index: number,
): Promise<SliceItems | undefined> {
  const items = await queryAccount(store, accountId, `${keys.sliceScope(scopeId)}${index}#`);
  return groupSliceItems(items).find((slice) => slice.index === index);
}

/** Some items of an account by sort key (eventually consistent), those that exist. */
export async function readAccountItems(
  store: Store,
  accountId: string,
  sortKeys: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  let wanted: Record<string, unknown>[] = sortKeys.map((sk) => ({ pk: keys.account(accountId), sk }));
  while (wanted.length > 0) {
    const response = await store.client.send(
      new BatchGetCommand({ RequestItems: { [store.tableName]: { Keys: wanted } } }),
    );
    for (const item of response.Responses?.[store.tableName] ?? []) found.set(String(item.sk), item);
    wanted = response.UnprocessedKeys?.[store.tableName]?.Keys ?? [];
  }
  return found;
}
