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
 * How many deltas the slices read so far had after write n (a full record, or a write a
 * reader holds), by n. The slices of an account are written together, one write each a
 * run, and fold at the same writes: a slice after the same write most likely has as many
 * deltas after it. A reader asks for that many and one more (the slot that ends the
 * chain), so a chain is read in one Query; without a hint it reads `unhintedChunk` at a
 * time (a warm scrape's ring read expects one: readRingAfter). A wrong hint costs reads,
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
      if (deltaItem.parse(raw).seq !== next()) {
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
function pageLimit(expected: number | undefined, read: number): number {
  const wanted = expected === undefined || (read >= expected && read > 0) ? unhintedChunk : expected - read;
  return Math.min(ringSize, wanted + 1);
}

interface RingPage {
  items: Record<string, unknown>[];
  /** DynamoDB stopped at its page size (1 MB) before the limit. */
  cut: boolean;
}

/** Up to `limit` of a slice's ring items from write `from`'s slot to the ring's last slot, in key order. */
async function queryRing(
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
function goesOn(page: RingPage, limit: number, next: number): boolean {
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

/** What the ring holds after a held write: the deltas that follow it, in write order, up to the first missing. */
export interface RingRead {
  deltas: Uint8Array[];
  /** The chain cannot be followed from the held write (the ring went round past it, or held what this reader cannot read): read the whole slice. */
  broken: boolean;
}

/** Slices whose ring is read at once (each one small Query: its round trip more than its bytes), as a cold read's chains (serve/state.ts). */
const concurrentRings = 16;

/**
 * The writes after each held one, read from the ring: one Query per slice from its next
 * write's slot (the first alone, then `concurrentRings` at a time), eventually consistent.
 * A Query sums the items it returns before rounding up to 4 KB, so the next write and the
 * slot after it (a newer write, a stale one or nothing) cost half a unit together; a
 * slice more writes ahead than the slices before it with the same held write (ChainHints),
 * or whose next write lies in the ring's last slot, takes a Query more.
 */
export async function readRingsAfter(
  store: Store,
  accountId: string,
  held: readonly HeldWrite[],
): Promise<RingRead[]> {
  const reads: RingRead[] = [];
  const hints: ChainHints = new Map();
  await eachInTurn(held.length, concurrentRings, async (i) => {
    reads[i] = await readRingAfter(store, accountId, held[i] as HeldWrite, hints);
  });
  return reads;
}

/**
 * The writes after one held write: slot by slot in key order (round to slot 0 after the
 * last), each moving the slice on only if it holds the write numbered exactly one after the
 * last. A slot holding nothing or an older write ends the chain; a newer write (the ring
 * went round past the held one), an item this reader cannot read, or a chain longer than
 * the ring breaks it. Without a hint a slice is expected one write ahead (a steady minute).
 */
export async function readRingAfter(
  store: Store,
  accountId: string,
  held: HeldWrite,
  hints: ChainHints = new Map(),
): Promise<RingRead> {
  const read: RingRead = { deltas: [], broken: false };
  const expected = hints.get(held.seq) ?? 1;
  const next = () => held.seq + read.deltas.length + 1;
  for (let limit = pageLimit(expected, 0); ; ) {
    const page = await queryRing(store, accountId, held, next(), limit);
    for (const raw of page.items) {
      const step = ringStep(raw, held, next(), read.deltas.length);
      if (step === "broken") return { ...read, broken: true };
      if (step === "end") return learnt(hints, held, read);
      read.deltas.push(step);
    }
    if (!goesOn(page, limit, next())) return learnt(hints, held, read);
    limit =
      page.items.length === limit || page.cut
        ? pageLimit(expected, read.deltas.length)
        : wrapLimit(expected, read);
  }
}

/**
 * Round the ring's end (slot 0 after the last): as many deltas as the hint still expects,
 * at least one, and the slot after them. A Query is billed per 4 KB of what it returns:
 * two deltas (mostly under 2 KB each) cost what one does, a chunk of stale ones more.
 */
function wrapLimit(expected: number, read: RingRead): number {
  return Math.min(ringSize, Math.max(expected - read.deltas.length, 1) + 1);
}

function learnt(hints: ChainHints, held: HeldWrite, read: RingRead): RingRead {
  hints.set(held.seq, read.deltas.length);
  return read;
}

/**
 * What a ring item means to a chain at write `next`: its delta, the chain's end (the
 * item lies past write `next`'s slot, which holds nothing; or the slot holds an older
 * write: a slot holds writes s, s + ringSize…), or a broken chain.
 */
function ringStep(
  raw: Record<string, unknown>,
  held: HeldWrite,
  next: number,
  length: number,
): Uint8Array | "end" | "broken" {
  if (raw.sk !== keys.sliceDelta(held.scopeId, held.index, slotOf(next))) return "end";
  const item = checkedDelta(raw);
  if (item && item.seq % ringSize === next % ringSize && item.seq < next) return "end";
  if (!item || item.seq !== next || length >= ringSize) return "broken";
  return item.data;
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
