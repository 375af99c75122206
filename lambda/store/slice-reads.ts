import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "../lib/zod.ts";
import { checkFormat } from "./format.ts";
import { queryAccount } from "./shards.ts";
import { groupSliceItems, type SliceItems } from "./slice-items.ts";
import { ringSize } from "./slices.ts";
import { keys, type Store } from "./table.ts";

/**
 * The reads of a reader that holds a slice as of write n and wants what came after: the
 * ring slots after n (write m lies in slot m mod ringSize), and the whole slice when the
 * ring cannot say.
 */

const deltaItem = z.object({
  sk: z.string(),
  seq: z.number().check(z.int(), z.positive()),
  data: z.instanceof(Uint8Array),
});

/** A slice as a reader holds it: the write it is as of. */
export interface HeldWrite {
  scopeId: string;
  index: number;
  seq: number;
}

/** What the ring holds after a held write: the deltas that follow it, in write order, up to the first missing. */
export interface RingRead {
  deltas: Uint8Array[];
  /** The chain cannot be followed from the held write (the ring went round past it, or held what this reader cannot read): read the whole slice. */
  broken: boolean;
}

/**
 * The writes after each held one, read from the ring: the next slot of every slice in
 * BatchGets (a hundred keys each, eventually consistent, half a unit per item of up to
 * 4 KB and per key that finds nothing), then the next one of those that had one, until
 * none has. A slice written once since costs two keys, one not written one.
 */
export async function readRingsAfter(
  store: Store,
  accountId: string,
  held: readonly HeldWrite[],
): Promise<RingRead[]> {
  const reads: RingRead[] = held.map(() => ({ deltas: [], broken: false }));
  const nextKey = (i: number) => {
    const { scopeId, index, seq } = held[i] as HeldWrite;
    return keys.sliceDelta(scopeId, index, (seq + (reads[i] as RingRead).deltas.length + 1) % ringSize);
  };
  let open = held.map((_, i) => i);
  while (open.length > 0) {
    const items = await readAccountItems(store, accountId, open.map(nextKey));
    open = open.filter((i) => {
      const read = reads[i] as RingRead;
      const raw = items.get(nextKey(i));
      if (!raw) return false;
      const next = (held[i] as HeldWrite).seq + read.deltas.length + 1;
      const item = checkedDelta(raw);
      // A slot holds writes s, s + ringSize…: an older one there means the next write is not yet.
      if (item && item.seq % ringSize === next % ringSize && item.seq < next) return false;
      if (!item || item.seq !== next || read.deltas.length >= ringSize) {
        read.broken = true;
        return false;
      }
      read.deltas.push(item.data);
      return true;
    });
  }
  return reads;
}

/** A ring slot's item, if this reader can read it. */
function checkedDelta(raw: Record<string, unknown>): z.output<typeof deltaItem> | undefined {
  try {
    checkFormat(String(raw.sk), raw.format);
    return deltaItem.parse(raw);
  } catch {
    return undefined;
  }
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

/** The most keys one BatchGetItem may ask for. */
const batchGetKeys = 100;

/** Some items of an account by sort key (eventually consistent), those that exist. */
export async function readAccountItems(
  store: Store,
  accountId: string,
  sortKeys: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < sortKeys.length; i += batchGetKeys)
    batches.push(sortKeys.slice(i, i + batchGetKeys).map((sk) => ({ pk: keys.account(accountId), sk })));
  await Promise.all(
    batches.map(async (batch) => {
      // What DynamoDB left unprocessed (throttled, or past 16 MB) is asked for again.
      for (let wanted = batch; wanted.length > 0; ) {
        const response = await store.client.send(
          new BatchGetCommand({ RequestItems: { [store.tableName]: { Keys: wanted } } }),
        );
        for (const item of response.Responses?.[store.tableName] ?? []) found.set(String(item.sk), item);
        wanted = response.UnprocessedKeys?.[store.tableName]?.Keys ?? [];
      }
    }),
  );
  return found;
}
