import { BatchGetCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { once } from "../lib/once.ts";
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

export const deltaItem = once(() =>
  z.object({
    sk: z.string(),
    seq: z.number().check(z.int(), z.positive()),
    data: z.instanceof(Uint8Array),
  }),
);

/** A slice as a reader holds it: the write it is as of. */
export interface HeldWrite {
  scopeId: string;
  index: number;
  seq: number;
}

/**
 * How many deltas the slices read so far had after write n (a full record, or a write a
 * reader holds), by n. The slices of an account are written together, one write each a
 * run, and fold at the same writes: a slice after the same write most likely has as many
 * deltas after it. A reader asks for that many and one more (the slot that ends the
 * chain), so a chain is read in one Query; without a hint it reads `unhintedChunk` at a
 * time (a warm scrape's ring read expects one: ring-reads.ts). A wrong hint costs reads,
 * never correctness: the chain is followed write by write whatever came back.
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
    const limit = pageLimit(expected, chain.length);
    const page = await queryRing(store, accountId, held, next(), limit, options.consistent);
    let ended = false;
    for (const raw of page.items) {
      checkFormat(String(raw.sk), raw.format);
      if (deltaItem().parse(raw).seq !== next()) {
        ended = true;
        break;
      }
      chain.push(raw);
    }
    if (ended || !goesOn(page, limit, next())) break;
  }
  options.hints?.set(held.seq, chain.length);
  return chain;
}

/**
 * How many slots the next Query of a chain asks for: as many deltas as the hint still
 * expects and one more (the slot that ends the chain); past the hint, or without one,
 * `unhintedChunk` and one more.
 */
export function pageLimit(expected: number | undefined, read: number): number {
  const wanted = expected === undefined || (read >= expected && read > 0) ? unhintedChunk : expected - read;
  return Math.min(ringSize, wanted + 1);
}

export interface RingPage {
  items: Record<string, unknown>[];
  /** DynamoDB stopped before the ring's last slot (at the limit, or at 1 MB). */
  cut: boolean;
}

/** Up to `limit` of a slice's ring items from write `from`'s slot to the ring's last slot, in key order. */
export async function queryRing(
  store: Store,
  accountId: string,
  slice: { scopeId: string; index: number },
  from: number,
  limit: number,
  consistent?: boolean,
): Promise<RingPage> {
  const response = await store.client.send(
    new QueryCommand({
      TableName: store.tableName,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: {
        ":pk": keys.account(accountId),
        ":from": keys.sliceDelta(slice.scopeId, slice.index, slotOf(from)),
        ":to": keys.sliceDelta(slice.scopeId, slice.index, ringSize - 1),
      },
      Limit: limit,
      ...(consistent ? { ConsistentRead: true } : {}),
    }),
  );
  return { items: response.Items ?? [], cut: response.LastEvaluatedKey !== undefined };
}

/**
 * Whether a chain whose page items all followed on may go on past them, at write `next`:
 * after a full page, or round to slot 0 after a page that reached the ring's last slot.
 */
export function goesOn(page: RingPage, limit: number, next: number): boolean {
  if (page.items.length === 0) return false;
  return page.items.length === limit || page.cut || slotOf(next) === 0;
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
