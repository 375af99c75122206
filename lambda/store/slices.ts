import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { applyDelta, decodeFull, encodeDelta, encodeFull, storedFormat } from "./format.ts";
import { decodeLegacy, type Shard, ShardConflictError, type SliceRef, type SliceShards } from "./shard.ts";
import { indexSlices, sliceId } from "./slice-index.ts";
import { groupSliceItems, type SliceItems } from "./slice-items.ts";
import { type AdvancedSeries, advancedSeries, inStoredOrder } from "./slice-order.ts";
import { keys, type Store } from "./table.ts";

export type { AdvancedSeries } from "./slice-order.ts";

/**
 * A slice is every group's shard with one index, for one zone (or account): the unit
 * that one conditional write moves. Its history is a chain of writes numbered 1, 2, 3…:
 * a full record (write 1, then rewritten at writes 33, 65… : every `foldEvery`) and, after
 * it, the deltas in a ring of `ringSize` slots (write n goes to slot `slotOf(n)`).
 *
 * The ring is as long as a fold's period and aligned with it: the deltas after a full
 * record lie in slots 0, 1, 2… in key order, so a cold reader reads them with one Query
 * that starts at slot 0 and stops at the first slot holding an older write
 * (slice-reads.ts), never running past the last slot into the ring's start. A fold put off
 * (a crash between a write and its fold) is done at the next aligned write, so the
 * alignment comes back.
 *
 * Write n+1 is a put into its slot on the condition that the slot is empty or holds a
 * write at least `ringSize` older: two writers that both read head n want the same slot
 * and only the first succeeds; a writer that read an older head finds its slot taken by
 * a newer write. So a slice is always exactly "every minute before each shard's cursor,
 * counted once", whatever crashed, retried or ran twice. The ring never overwrites a
 * write the full record does not hold yet: the writer folds first.
 */
export const foldEvery = 32;
export const ringSize = foldEvery;
/** The ring slot of write n (n ≥ 2: write 1 is a full record): the write after a fold (n ≡ 2) lies in slot 0. */
export const slotOf = (write: number) => (((write - 2) % ringSize) + ringSize) % ringSize;
/** Whether write `seq` folds the slice (its full record holds write `fullSeq`): at aligned writes, or when the ring is full. */
export const foldDue = (seq: number, fullSeq: number) =>
  seq > fullSeq && (seq - fullSeq >= foldEvery || seq % foldEvery === 1);
/** DynamoDB rejects items over 400 KB; stay well below it. */
export const maxRecordBytes = 350_000;

/** Items of one or more scopes (any order within a scope's Query) → slices. */
export function slicesFromItems(items: readonly Record<string, unknown>[]): SliceRef[] {
  return groupSliceItems(items).map(sliceFromItems);
}

function sliceFromItems({
  scopeId,
  index,
  full,
  deltas,
  carriedOver,
  legacy,
  earlier,
}: SliceItems): SliceRef {
  const slice = emptySlice(scopeId, index);
  if (full) {
    // A chain in format 2 is the slice's state until carried over: its write numbers are not
    // this format's (the carry-over is write 1), so the slice reads as not yet written.
    slice.shards = decodeFull(full.data, scopeId, index);
    if (carriedOver) slice.seq = slice.fullSeq = full.seq;
    for (const delta of deltas) {
      applyDelta(slice.shards, delta, scopeId, index);
      if (carriedOver) slice.seq += 1;
    }
  } else if (!carriedOver) {
    // A slice not yet written in format 2 or 3 is read from its format-1 shards.
    for (const { item } of legacy) {
      const shard = decodeLegacy(item);
      slice.shards.set(shard.group, shard);
    }
  }
  // Items of earlier formats: the slice's state until carried over; after it, leftovers of
  // a crash that the next write deletes.
  slice.legacy = earlier;
  for (const shard of slice.shards.values()) shard.slice = slice;
  return slice;
}

export function emptySlice(scopeId: string, index: number): SliceRef {
  return { scopeId, index, seq: 0, fullSeq: 0, shards: new Map(), legacy: [] };
}

/** The outcome of one slice write: what is stored now, and what it cost. */
export interface SliceWrite {
  slice: SliceRef;
  /** The shards this write moved, as stored. */
  shards: Shard[];
  /**
   * The series this write advanced (new, or with a newer last bucket), each with its
   * state as stored: `b` the minute of its last counted bucket, `l` that bucket's value
   * (counters; a gauge's is `v`). What a push path sends, at `b`.
   */
  advanced: AdvancedSeries[];
  writeUnits: number;
  bytes: number;
}

/** Puts of one slice write, with what they cost. */
interface RecordWriter {
  put(
    sk: string,
    data: Uint8Array,
    seq: number,
    condition: string,
    values?: Record<string, number>,
  ): Promise<void>;
  units: number;
  bytes: number;
}

function recordWriter(store: Store, accountId: string): RecordWriter {
  const writer: RecordWriter = {
    units: 0,
    bytes: 0,
    async put(sk, data, seq, condition, values = {}) {
      if (data.byteLength > maxRecordBytes)
        throw new Error(`${sk} would be ${data.byteLength} bytes compressed; raise the group's shard count`);
      const response = await store.client.send(
        new PutCommand({
          TableName: store.tableName,
          Item: { pk: keys.account(accountId), sk, format: storedFormat, seq, data },
          ConditionExpression: condition,
          ...(condition.includes("#seq") ? { ExpressionAttributeNames: { "#seq": "seq" } } : {}),
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      writer.units += response.ConsumedCapacity?.CapacityUnits ?? 0;
      writer.bytes += data.byteLength;
    },
  };
  return writer;
}

/** Rewrites the slice's full record as of write `seq`, unless a newer one is already there (it holds this one). */
async function fold(writer: RecordWriter, slice: SliceRef, state: SliceShards, seq: number): Promise<void> {
  try {
    const sk = keys.sliceFull(slice.scopeId, slice.index);
    await writer.put(sk, encodeFull(state), seq, "attribute_not_exists(pk) OR #seq < :seq", { ":seq": seq });
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * The conditional put of write `slice.seq + 1`: a full record for a slice's first write in
 * this format (carrying format-1 shards over), a delta otherwise. Returns the write the
 * full record now holds.
 */
async function putWrite(
  writer: RecordWriter,
  slice: SliceRef,
  after: SliceShards,
  stored: readonly Shard[],
): Promise<number> {
  const seq = slice.seq + 1;
  try {
    if (slice.seq === 0) {
      await writer.put(
        keys.sliceFull(slice.scopeId, slice.index),
        encodeFull(after),
        seq,
        "attribute_not_exists(pk)",
      );
      return seq;
    }
    let fullSeq = slice.fullSeq;
    // The ring never overwrites a write the full record does not hold yet.
    if (seq - ringSize > fullSeq) {
      await fold(writer, slice, slice.shards, slice.seq);
      fullSeq = slice.seq;
    }
    await writer.put(
      keys.sliceDelta(slice.scopeId, slice.index, slotOf(seq)),
      encodeDelta(slice.shards, stored),
      seq,
      "attribute_not_exists(pk) OR #seq <= :displaced",
      { ":displaced": seq - ringSize },
    );
    return fullSeq;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ShardConflictError("shard moved on");
    throw error;
  }
}

/**
 * Moves `next` shards (all of `slice`) forward in one conditional put; folds the slice
 * into its full record when due. Throws ShardConflictError when another writer got there first.
 */
export async function writeSlice(
  store: Store,
  accountId: string,
  slice: SliceRef,
  next: readonly Shard[],
  /** Whether the caller already listed the slice in the account's slice index. */
  indexed = false,
): Promise<SliceWrite> {
  const stored = next.map((shard) => ({
    ...inStoredOrder(slice.shards.get(shard.group), shard),
    stored: true,
  }));
  const after: SliceShards = new Map(slice.shards);
  for (const shard of stored) after.set(shard.group, shard);
  const seq = slice.seq + 1;
  const writer = recordWriter(store, accountId);
  // Listed before its first put: the index is never behind the slices (slice-index.ts).
  if (slice.seq === 0 && !indexed)
    writer.units += await indexSlices(store, accountId, [sliceId(slice.scopeId, slice.index)]);
  const written: SliceRef = { ...slice, seq, shards: after, legacy: [] };
  written.fullSeq = await putWrite(writer, slice, after, stored);
  if (foldDue(seq, written.fullSeq)) {
    await fold(writer, slice, after, seq);
    written.fullSeq = seq;
  }
  await deleteItems(store, accountId, slice.legacy);
  for (const [group, shard] of after) after.set(group, { ...shard, slice: written });
  return {
    slice: written,
    shards: stored.map((shard) => after.get(shard.group) ?? shard),
    advanced: advancedSeries(slice.shards, stored),
    writeUnits: writer.units,
    bytes: writer.bytes,
  };
}

/** Deletes sent at once. */
const concurrentDeletes = 25;

/**
 * Deletes items of the account (a carried-over slice's items in earlier formats: up to 37
 * a slice in format 2), `concurrentDeletes` at a time; each is one DeleteItem, the action
 * the fetcher's role already has.
 */
async function deleteItems(store: Store, accountId: string, sortKeys: readonly string[]): Promise<void> {
  for (let i = 0; i < sortKeys.length; i += concurrentDeletes)
    await Promise.all(
      sortKeys
        .slice(i, i + concurrentDeletes)
        .map((sk) =>
          store.client.send(
            new DeleteCommand({ TableName: store.tableName, Key: { pk: keys.account(accountId), sk } }),
          ),
        ),
    );
}
