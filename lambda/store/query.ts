import { QueryCommand, type QueryCommandOutput } from "@aws-sdk/lib-dynamodb";
import { keys, type Store } from "./table.ts";

/** Which sort keys of an account's partition a Query reads. */
export type KeyRange =
  | { prefix: string }
  /** Every key before `below` (not included). */
  | { below: string }
  /** Every key after `above` (not included). */
  | { above: string };

function keyCondition(range: KeyRange) {
  if ("prefix" in range) return { condition: "pk = :pk AND begins_with(sk, :key)", key: range.prefix };
  if ("below" in range) return { condition: "pk = :pk AND sk < :key", key: range.below };
  return { condition: "pk = :pk AND sk > :key", key: range.above };
}

/** Every item of an account whose sort key starts with `prefix` (one Query, paginated). */
export async function queryAccount(
  store: Store,
  accountId: string,
  prefix = "",
  consistent = false,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of queryPages(store, accountId, prefix, consistent)) items.push(...page);
  return items;
}

/** The same Query, page by page (in key order): see queryRangePages. */
export function queryPages(
  store: Store,
  accountId: string,
  prefix = "",
  consistent = false,
): AsyncGenerator<Record<string, unknown>[]> {
  return queryRangePages(store, accountId, { prefix }, consistent);
}

/**
 * The items of a key range, page by page (in key order), so a reader need not hold every
 * item at once. The next page is asked for before this one is handed over: the store
 * prepares it while the reader decodes (two pages at most are held).
 */
export async function* queryRangePages(
  store: Store,
  accountId: string,
  range: KeyRange,
  consistent = false,
): AsyncGenerator<Record<string, unknown>[]> {
  const { condition, key } = keyCondition(range);
  const page = (startKey: Record<string, unknown> | undefined): Promise<QueryCommandOutput> => {
    const response = store.client.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: { ":pk": keys.account(accountId), ":key": key },
        ...(consistent ? { ConsistentRead: true } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    // Awaited below, unless the reader stops first: its failure then concerns no one.
    response.catch(() => undefined);
    return response;
  };
  for (let next: Promise<QueryCommandOutput> | undefined = page(undefined); next; ) {
    const response: QueryCommandOutput = await next;
    next = response.LastEvaluatedKey ? page(response.LastEvaluatedKey) : undefined;
    yield response.Items ?? [];
  }
}
