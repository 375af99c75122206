import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import { keys, type Store } from "./table.ts";

/**
 * After Cloudflare says the GraphQL budget is spent, every fetcher (of every account,
 * in later invocations too) holds off until this time: the budget is per token. Under
 * account-based rate limiting the budget is the account's, and so is the block (`accountId`).
 * The endpoint reads them all to show which budget is spent, until when.
 */
export interface GraphqlBlock {
  /** The account whose budget Cloudflare said is spent (account-based rate limiting); absent: the token's. */
  accountId?: string;
  /** Unix ms: no GraphQL call of that budget before it. */
  untilMs: number;
  /** The exporter's own count of that budget when Cloudflare answered, when it was read. */
  usage?: BudgetUsage;
}

/** Calls the exporter took from a budget in the 5 minutes before, of the most it allows itself. */
export interface BudgetUsage {
  used: number;
  limit: number;
}

const blockKey = (accountId?: string) => ({
  pk: keys.discovery,
  sk: accountId === undefined ? keys.graphqlBlock : `${keys.graphqlBlock}#${accountId}`,
});

const blockItemSchema = once(() =>
  z.object({
    sk: z.string(),
    blockedUntil: z.number(),
    used: z.optional(z.number().check(z.int(), z.nonnegative())),
    limit: z.optional(z.number().check(z.int(), z.positive())),
  }),
);

export async function readGraphqlBlock(store: Store, accountId?: string): Promise<number> {
  const response = await store.client.send(
    new GetCommand({ TableName: store.tableName, Key: blockKey(accountId) }),
  );
  return typeof response.Item?.blockedUntil === "number" ? response.Item.blockedUntil : 0;
}

/** Keeps the latest end: a block never ends earlier because a shorter one was written after it. */
export async function writeGraphqlBlock(
  store: Store,
  blockedUntilMs: number,
  accountId?: string,
  usage?: BudgetUsage,
): Promise<void> {
  try {
    await store.client.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { ...blockKey(accountId), blockedUntil: blockedUntilMs, ...usage },
        ConditionExpression: "attribute_not_exists(blockedUntil) OR blockedUntil < :until",
        ExpressionAttributeValues: { ":until": blockedUntilMs },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * Every block ever written, the token's and each account's, past ones included (with
 * `accountId`, that account's only); an unreadable item is left out.
 */
export async function readGraphqlBlocks(store: Store, accountId?: string): Promise<GraphqlBlock[]> {
  const condition =
    accountId === undefined
      ? { expression: "pk = :pk AND begins_with(sk, :sk)", sk: keys.graphqlBlock }
      : { expression: "pk = :pk AND sk = :sk", sk: blockKey(accountId).sk };
  const blocks: GraphqlBlock[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await store.client.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: condition.expression,
        ExpressionAttributeValues: { ":pk": keys.discovery, ":sk": condition.sk },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const block = blockFromItem(item);
      if (block) blocks.push(block);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return blocks;
}

function blockFromItem(item: Record<string, unknown>): GraphqlBlock | undefined {
  const parsed = blockItemSchema().safeParse(item);
  if (!parsed.success) return undefined;
  const { sk, blockedUntil, used, limit } = parsed.data;
  const prefix = `${keys.graphqlBlock}#`;
  if (sk !== keys.graphqlBlock && !sk.startsWith(prefix)) return undefined;
  return {
    ...(sk.startsWith(prefix) ? { accountId: sk.slice(prefix.length) } : {}),
    untilMs: blockedUntil,
    ...(used !== undefined && limit !== undefined ? { usage: { used, limit } } : {}),
  };
}
