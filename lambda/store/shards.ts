import { gunzipSync, gzipSync } from "node:zlib";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { keys, type Store } from "./table.ts";

/**
 * Series are packed into shard items: all series of one query group and zone (or account)
 * whose key hashes to the shard. Each shard carries its own cursor, and values and cursor
 * move together in one conditional write, so a shard is always exactly "every minute
 * before `cursor` counted once" — whatever crashed, retried or ran twice.
 */
export const seriesStateSchema = z.object({
  /** Counter: cumulative value. Gauge: last value. */
  v: z.number(),
  /** First minute counted (Unix seconds): the counter's creation time. */
  f: z.number(),
  /** Last minute that had data. */
  b: z.number(),
  /** "g" marks a gauge; counters omit it. */
  t: z.literal("g").optional(),
});
export type SeriesState = z.output<typeof seriesStateSchema>;

export const shardBodySchema = z.object({
  series: z.record(z.string(), seriesStateSchema),
  /** Minutes skipped because they were beyond Cloudflare's lookback when fetched. */
  lostMinutes: z.number().int().nonnegative().default(0),
  /** Samples of new series left out because their family reached its series cap, per family. */
  dropped: z.record(z.string(), z.number().int().nonnegative()).default({}),
  /** The scope label's value (the zone's name), so a zone that left the zone list keeps its name. */
  label: z.string().optional(),
});

export interface Shard {
  group: string;
  scopeId: string;
  index: number;
  /** Every minute before this (Unix seconds) is counted. */
  cursor: number;
  /** First minute this shard counted. */
  start: number;
  series: Record<string, SeriesState>;
  lostMinutes: number;
  dropped: Record<string, number>;
  /** The zone's name (or the account's label) when the shard was last written. */
  label?: string;
  /** False until the first write: the condition then is "does not exist yet". */
  stored: boolean;
}

export class ShardConflictError extends Error {}

/** DynamoDB rejects items over 400 KB; stay well below it. */
export const maxShardBytes = 350_000;

export function encodeBody(shard: Pick<Shard, "series" | "lostMinutes" | "dropped" | "label">): Uint8Array {
  return gzipSync(
    JSON.stringify({
      series: shard.series,
      lostMinutes: shard.lostMinutes,
      dropped: shard.dropped,
      ...(shard.label === undefined ? {} : { label: shard.label }),
    }),
  );
}

export function decodeBody(data: Uint8Array): z.output<typeof shardBodySchema> {
  return shardBodySchema.parse(JSON.parse(gunzipSync(data).toString("utf8")));
}

const storedShardSchema = z.object({
  sk: z.string(),
  cursor: z.number(),
  start: z.number(),
  data: z.instanceof(Uint8Array),
});

/** Reads the shards that exist; absent ones are simply missing from the result. */
export async function readShards(
  store: Store,
  accountId: string,
  wanted: readonly { group: string; scopeId: string; index: number }[],
): Promise<Shard[]> {
  const shards: Shard[] = [];
  const byKey = new Map(wanted.map((w) => [keys.shard(w.group, w.scopeId, w.index), w]));
  const pending = [...byKey.keys()];
  while (pending.length > 0) {
    const batch = pending.splice(0, 100);
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
      [store.tableName]: { Keys: batch.map((sk) => ({ pk: keys.account(accountId), sk })) },
    };
    while (request && Object.keys(request).length > 0) {
      const response = await store.client.send(new BatchGetCommand({ RequestItems: request }));
      for (const raw of response.Responses?.[store.tableName] ?? []) {
        const item = storedShardSchema.parse(raw);
        const id = byKey.get(item.sk);
        if (!id) continue;
        const body = decodeBody(item.data);
        shards.push({
          ...id,
          cursor: item.cursor,
          start: item.start,
          series: body.series,
          lostMinutes: body.lostMinutes,
          dropped: body.dropped,
          ...(body.label === undefined ? {} : { label: body.label }),
          stored: true,
        });
      }
      request = response.UnprocessedKeys as typeof request;
    }
  }
  return shards;
}

/**
 * Writes a shard if, and only if, its stored cursor is still `previousCursor` (or it does
 * not exist yet, when it was never stored). Throws ShardConflictError otherwise: another
 * run got there first, and the caller re-reads and reapplies what is left.
 */
export async function writeShard(
  store: Store,
  accountId: string,
  shard: Shard,
  previousCursor: number | undefined,
): Promise<number> {
  const data = encodeBody(shard);
  if (data.byteLength > maxShardBytes) {
    throw new Error(
      `shard ${shard.group}/${shard.scopeId}/${shard.index} would be ${data.byteLength} bytes compressed; raise the group's shard count`,
    );
  }
  try {
    const response = await store.client.send(
      new PutCommand({
        TableName: store.tableName,
        Item: {
          pk: keys.account(accountId),
          sk: keys.shard(shard.group, shard.scopeId, shard.index),
          cursor: shard.cursor,
          start: shard.start,
          data,
        },
        ...(previousCursor === undefined
          ? { ConditionExpression: "attribute_not_exists(pk)" }
          : {
              ConditionExpression: "#cursor = :previous",
              ExpressionAttributeNames: { "#cursor": "cursor" },
              ExpressionAttributeValues: { ":previous": previousCursor },
            }),
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    return response.ConsumedCapacity?.CapacityUnits ?? 0;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ShardConflictError("shard moved on");
    throw error;
  }
}

/** A stored shard item, decoded. */
export function shardFromItem(raw: Record<string, unknown>): Shard & { sk: string } {
  const item = storedShardSchema.parse(raw);
  const [, group = "", scopeId = "", index = "0"] = item.sk.split("#");
  const body = decodeBody(item.data);
  return {
    sk: item.sk,
    group,
    scopeId,
    index: Number(index),
    cursor: item.cursor,
    start: item.start,
    series: body.series,
    lostMinutes: body.lostMinutes,
    dropped: body.dropped,
    ...(body.label === undefined ? {} : { label: body.label }),
    stored: true,
  };
}

/** Every shard of an account (one Query, paginated): what the metrics endpoint and tests read. */
/** Every item of an account whose sort key starts with `prefix` (one Query, paginated). */
export async function queryAccount(
  store: Store,
  accountId: string,
  prefix = "",
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const response = await store.client.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": keys.account(accountId), ":prefix": prefix },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(response.Items ?? []));
    startKey = response.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Every shard of an account: what tests read. */
export async function readAccountShards(
  store: Store,
  accountId: string,
): Promise<(Shard & { sk: string })[]> {
  return (await queryAccount(store, accountId, keys.seriesPrefix)).map(shardFromItem);
}
