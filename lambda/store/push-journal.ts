import { gunzipSync, gzipSync } from "node:zlib";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import { keys, type Store } from "./table.ts";

/**
 * The push's durable state: one item per account (`ACCOUNT#<id> / PUSH`), written once per
 * run that had anything to push, after the receiver answered. It holds the samples the
 * receiver has not accepted yet (so a failed push is retried from here, not from memory),
 * how far each shard's writes have been journaled (so a write the journal missed, a crash
 * between the two, is found), and the push's own counters. Conditional on its version: two
 * runs that both push merge instead of overwriting each other.
 */
export const pushKey = "PUSH";

/** One sample waiting for the receiver. */
export interface PushSample {
  /** The stored series key, `name{labels}`. */
  key: string;
  /** Milliseconds. */
  t: number;
  v: number;
  /** The shard whose write gave it: the work item that writes that shard sends it (absent in older journals). */
  shard?: string;
}

// Built at first use: only runs that push read or write a journal.
const journalSchema = once(() =>
  z.object({
    /** shard id → the cursor up to which its writes are in the journal (sent or pending). */
    cursors: z._default(z.record(z.string(), z.number()), {}),
    /** Waiting samples, grouped by series: [key, [[t, v], ...], shard id]. */
    pending: z._default(
      z.array(z.tuple([z.string(), z.array(z.tuple([z.number(), z.number()])), z.optional(z.string())])),
      [],
    ),
    totals: z._default(
      z.object({
        acceptedSamples: z._default(z.number(), 0),
        failedRequests: z._default(z.number(), 0),
        rejectedSamples: z._default(z.number(), 0),
        /** Minutes folded, by reason: `window` (too old to place), `crash`, `journal` (over the item's size). */
        foldedMinutes: z._default(z.record(z.string(), z.number()), {}),
      }),
      { acceptedSamples: 0, failedRequests: 0, rejectedSamples: 0, foldedMinutes: {} },
    ),
    /** Newest sample timestamp (ms) the receiver accepted. */
    acceptedUntil: z.optional(z.number()),
  }),
);

export type JournalBody = z.output<ReturnType<typeof journalSchema>>;
export interface Journal extends JournalBody {
  /** Absent until the first write. */
  version?: number;
}

export class JournalConflictError extends Error {}

/** DynamoDB items stop at 400 KB: the journal folds its oldest samples before it gets there. */
export const maxJournalBytes = 300_000;

export function emptyJournal(): Journal {
  return journalSchema().parse({});
}

export function pendingSamples(journal: JournalBody): PushSample[] {
  return journal.pending.flatMap(([key, points, shard]) =>
    points.map(([t, v]) => (shard === undefined ? { key, t, v } : { key, t, v, shard })),
  );
}

export function groupPending(samples: readonly PushSample[]): JournalBody["pending"] {
  const byKey = new Map<string, { points: [number, number][]; shard: string | undefined }>();
  for (const { key, t, v, shard } of samples) {
    const entry = byKey.get(key) ?? { points: [], shard };
    entry.points.push([t, v]);
    entry.shard ??= shard;
    byKey.set(key, entry);
  }
  return [...byKey].map(([key, { points, shard }]) => {
    const sorted = points.sort((a, b) => a[0] - b[0]);
    return shard === undefined ? [key, sorted] : [key, sorted, shard];
  });
}

export function encodeJournal(body: JournalBody): Uint8Array {
  return gzipSync(JSON.stringify(body));
}

export function decodeJournal(data: Uint8Array): JournalBody {
  return journalSchema().parse(JSON.parse(gunzipSync(data).toString("utf8")));
}

const itemSchema = once(() => z.object({ version: z.number(), data: z.instanceof(Uint8Array) }));

export async function readJournal(store: Store, accountId: string): Promise<Journal> {
  const response = await store.client.send(
    new GetCommand({
      TableName: store.tableName,
      Key: { pk: keys.account(accountId), sk: pushKey },
      ConsistentRead: true,
    }),
  );
  if (!response.Item) return emptyJournal();
  const item = itemSchema().parse(response.Item);
  return { ...decodeJournal(item.data), version: item.version };
}

/** Stores the journal if nobody else stored one since `journal.version` was read; returns the write units used. */
export async function writeJournal(
  store: Store,
  accountId: string,
  journal: Journal,
  data: Uint8Array,
): Promise<number> {
  try {
    const response = await store.client.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { pk: keys.account(accountId), sk: pushKey, version: (journal.version ?? 0) + 1, data },
        ...(journal.version === undefined
          ? { ConditionExpression: "attribute_not_exists(pk)" }
          : {
              ConditionExpression: "#version = :version",
              ExpressionAttributeNames: { "#version": "version" },
              ExpressionAttributeValues: { ":version": journal.version },
            }),
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    return response.ConsumedCapacity?.CapacityUnits ?? 0;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new JournalConflictError("journal moved on");
    throw error;
  }
}
