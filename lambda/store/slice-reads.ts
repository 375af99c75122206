import { BatchGetCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "../lib/zod.ts";
import { checkFormat } from "./format.ts";
import { queryAccount } from "./query.ts";
import { groupSliceItems, type SliceItems } from "./slice-items.ts";
import { ringSize, slotOf } from "./slices.ts";
import { keys, type Store } from "./table.ts";

/**
 * The reads of a slice's writes after a full record or a held write. Write m lies in ring
 * slot `slotOf(m)` (slices.ts), under keys in slot order apart from the full records
 * (table.ts): the deltas after write n are the slots after n's, in key order (round to
 * slot 0 after the last), up to the first that holds an older write (or nothing). A reader
 * reads those, and not the stale slots a whole slice's Query would return.
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

/**
 * How many deltas the slices read so far had after a full record of write n, by n. The
 * slices of an account are written together, one write each a run, and fold at the same
 * writes: a slice with the same full record most likely has as many deltas after it. A
 * reader asks for that many and one more (the slot that ends the chain), so a chain is
 * read in one Query; without a hint it reads `unhintedChunk` at a time. A wrong hint costs
 * reads, never correctness: the chain is followed write by write whatever came back.
 */
export type ChainHints = Map<number, number>;
const unhintedChunk = 8;

/**
 * The deltas after write `held.seq`, in write order (raw items, format checked: a reader
 * meeting an unknown stored format fails loudly). Queries of the ring's slots in key order,
 * from the next write's slot, each summed and billed per 4 KB, not per item.
 */
export async function readChainAfter(
  store: Store,
  accountId: string,
  held: HeldWrite,
  options: { consistent?: boolean; hints?: ChainHints } = {},
): Promise<Record<string, unknown>[]> {
  const chain: Record<string, unknown>[] = [];
  const expected = options.hints?.get(held.seq);
  const next = () => held.seq + chain.length + 1;
  // A chain after a full record is never longer than the ring (slices.ts folds first).
  while (chain.length < ringSize) {
    // Past its hint (or without one) a chain is read a chunk at a time.
    const wanted =
      expected === undefined || (chain.length >= expected && chain.length > 0)
        ? unhintedChunk
        : expected - chain.length;
    const limit = Math.min(ringSize, wanted + 1);
    const response = await store.client.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: {
          ":pk": keys.account(accountId),
          ":from": keys.sliceDelta(held.scopeId, held.index, slotOf(next())),
          ":to": keys.sliceDelta(held.scopeId, held.index, ringSize - 1),
        },
        Limit: limit,
        ...(options.consistent ? { ConsistentRead: true } : {}),
      }),
    );
    const items = response.Items ?? [];
    let ended = false;
    for (const raw of items) {
      checkFormat(String(raw.sk), raw.format);
      if (deltaItem.parse(raw).seq !== next()) {
        ended = true;
        break;
      }
      chain.push(raw);
    }
    if (ended || items.length === 0) break;
    // All that came follow on: go on after a full page, or round to slot 0 after the last slot.
    const fullPage = items.length === limit || response.LastEvaluatedKey !== undefined;
    if (!fullPage && slotOf(next()) !== 0) break;
  }
  options.hints?.set(held.seq, chain.length);
  return chain;
}

/**
 * The full records whose keys start with `prefix` (a zone's, or one slice's), each with
 * the deltas after it: every item a slice's state is read from, in the current format.
 * Chains are read `concurrentChains` at a time.
 */
export async function readCurrentSlices(
  store: Store,
  accountId: string,
  prefix: string,
  options: { consistent?: boolean; hints?: ChainHints } = {},
): Promise<Record<string, unknown>[]> {
  const fulls = await queryAccount(store, accountId, prefix, options.consistent);
  return [...fulls, ...(await readChainsAfter(store, accountId, fulls, options))];
}

/**
 * Runs `read(0)`, `read(1)`… up to `count`, the first alone (the chain it follows is then
 * the hint of the others: ChainHints), the others `concurrency` at a time.
 */
export async function eachInTurn(
  count: number,
  concurrency: number,
  read: (i: number) => Promise<void>,
): Promise<void> {
  if (count === 0) return;
  await read(0);
  let next = 1;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await read(i);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const concurrentChains = 8;

/** The deltas after each full record (raw items), read `concurrentChains` at a time. */
export async function readChainsAfter(
  store: Store,
  accountId: string,
  fulls: readonly Record<string, unknown>[],
  options: { consistent?: boolean; hints?: ChainHints } = {},
): Promise<Record<string, unknown>[]> {
  const hints = options.hints ?? new Map<number, number>();
  const held = groupSliceItems(fulls).flatMap((slice) =>
    slice.full ? [{ scopeId: slice.scopeId, index: slice.index, seq: slice.full.seq }] : [],
  );
  const chains: Record<string, unknown>[][] = [];
  await eachInTurn(held.length, concurrentChains, async (i) => {
    chains[i] = await readChainAfter(store, accountId, held[i] as HeldWrite, { ...options, hints });
  });
  return chains.flat();
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
    return keys.sliceDelta(scopeId, index, slotOf(seq + (reads[i] as RingRead).deltas.length + 1));
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

/**
 * One slice as stored (absent: nothing stored yet): its full record (a Get) and the deltas
 * after it, or, with nothing in the current format, its items in format 2 (one Query).
 */
export async function readSliceItems(
  store: Store,
  accountId: string,
  scopeId: string,
  index: number,
  hints?: ChainHints,
): Promise<SliceItems | undefined> {
  const { Item: full } = await store.client.send(
    new GetCommand({
      TableName: store.tableName,
      Key: { pk: keys.account(accountId), sk: keys.sliceFull(scopeId, index) },
    }),
  );
  const items = full
    ? [full, ...(await readChainsAfter(store, accountId, [full], hints ? { hints } : {}))]
    : await queryAccount(store, accountId, keys.format2Slice(scopeId, index));
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
