import { gunzipSync, gzipSync } from "node:zlib";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "../lib/zod.ts";
import { keys, type Store } from "./table.ts";

/**
 * JSON documents (discovery caches), stored gzip'd with the time they were fetched: the
 * zone list of a thousand zones, with every dataset's settings, is over a megabyte of JSON,
 * more than the 400 KB a DynamoDB item may hold; gzip'd it is a small fraction of that.
 * Documents written before as plain `document` text are still read.
 */
export function documentText(item: Record<string, unknown>): string | undefined {
  if (item.data instanceof Uint8Array) return gunzipSync(item.data).toString("utf8");
  return typeof item.document === "string" ? item.document : undefined;
}

export async function readDocument<T>(
  store: Store,
  pk: string,
  sk: string,
  schema: z.core.$ZodType<T>,
): Promise<{ value: T; fetchedAt: number } | undefined> {
  const response = await store.client.send(new GetCommand({ TableName: store.tableName, Key: { pk, sk } }));
  const item = response.Item;
  const text = item ? documentText(item) : undefined;
  if (!item || text === undefined || typeof item.fetchedAt !== "number") return undefined;
  const parsed = z.safeParse(schema, JSON.parse(text));
  return parsed.success ? { value: parsed.data, fetchedAt: item.fetchedAt } : undefined;
}

export async function writeDocument(
  store: Store,
  pk: string,
  sk: string,
  value: unknown,
  fetchedAt: number,
): Promise<void> {
  await store.client.send(
    new PutCommand({
      TableName: store.tableName,
      Item: { pk, sk, data: gzipSync(JSON.stringify(value)), fetchedAt },
    }),
  );
}

/**
 * A lease keeps two fetchers of one account from doing the same work at once. It is an
 * economy, not the guarantee: shard writes are conditional, so even two fetchers that
 * both hold a lease (one expired mid-run) cannot count a minute twice.
 */
export async function acquireLease(
  store: Store,
  accountId: string,
  owner: string,
  nowMs: number,
  ttlMs: number,
): Promise<boolean> {
  try {
    await store.client.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { pk: keys.account(accountId), sk: keys.lease, owner, leaseUntil: nowMs + ttlMs },
        ConditionExpression: "attribute_not_exists(pk) OR leaseUntil < :now OR #owner = :owner",
        ExpressionAttributeNames: { "#owner": "owner" },
        ExpressionAttributeValues: { ":now": nowMs, ":owner": owner },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function releaseLease(store: Store, accountId: string, owner: string): Promise<void> {
  try {
    await store.client.send(
      new DeleteCommand({
        TableName: store.tableName,
        Key: { pk: keys.account(accountId), sk: keys.lease },
        ConditionExpression: "#owner = :owner",
        ExpressionAttributeNames: { "#owner": "owner" },
        ExpressionAttributeValues: { ":owner": owner },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
