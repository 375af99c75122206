import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { z } from "zod";
import { keys, type Store } from "./table.ts";

/** Small JSON documents (discovery caches), stored with the time they were fetched. */
export async function readDocument<T>(
  store: Store,
  pk: string,
  sk: string,
  schema: z.ZodType<T>,
): Promise<{ value: T; fetchedAt: number } | undefined> {
  const response = await store.client.send(new GetCommand({ TableName: store.tableName, Key: { pk, sk } }));
  const item = response.Item;
  if (!item || typeof item.document !== "string" || typeof item.fetchedAt !== "number") return undefined;
  const parsed = schema.safeParse(JSON.parse(item.document));
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
      Item: { pk, sk, document: JSON.stringify(value), fetchedAt },
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

/**
 * After Cloudflare says the GraphQL budget is spent, every fetcher (of every account,
 * in later invocations too) holds off until this time: the budget is per token.
 */
export async function readGraphqlBlock(store: Store): Promise<number> {
  const response = await store.client.send(
    new GetCommand({ TableName: store.tableName, Key: { pk: keys.discovery, sk: keys.graphqlBlock } }),
  );
  return typeof response.Item?.blockedUntil === "number" ? response.Item.blockedUntil : 0;
}

export async function writeGraphqlBlock(store: Store, blockedUntilMs: number): Promise<void> {
  try {
    await store.client.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { pk: keys.discovery, sk: keys.graphqlBlock, blockedUntil: blockedUntilMs },
        ConditionExpression: "attribute_not_exists(blockedUntil) OR blockedUntil < :until",
        ExpressionAttributeValues: { ":until": blockedUntilMs },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
