import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import { keys, type Store } from "./table.ts";

/**
 * An account's SLICES item: the id of every slice written in format 2 (`<scope>#<index>`),
 * so that a scrape holding the account's slices learns of a new one (a new zone, a group's
 * first write) without reading every item. A run adds its new slices' ids in one write
 * beside their first puts (store/shards.ts): a scrape that reads the index before that write
 * lands, or after it was lost, misses those slices until the account's next whole read
 * (serve/scrape-cache.ts `coldEvery`). An id whose slice holds nothing yet reads as an
 * empty slice, as a Query would find it. Slices are never removed.
 *
 * An index that would grow past `maxIndexBytes` is marked full instead and no longer
 * trusted: readers then read the account whole, as before. Marking it full drops its ids,
 * so a later writer's refused add is billed for a small item, not for 300 KB (a full
 * index of a thousand-zone account cost about 600 write units per run that made slices).
 */
export const maxIndexBytes = 300_000;

export const sliceId = (scopeId: string, index: number) => `${scopeId}#${index}`;

/** Adds slices to the index (idempotent), in one write; returns the write units it took. */
export async function indexSlices(store: Store, accountId: string, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const key = { pk: keys.account(accountId), sk: keys.sliceIndex };
  try {
    const added = await store.client.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: key,
        UpdateExpression: "ADD #ids :id",
        ConditionExpression:
          "attribute_not_exists(#full) AND (attribute_not_exists(#ids) OR size(#ids) < :max)",
        ExpressionAttributeNames: { "#ids": "ids", "#full": "full" },
        ExpressionAttributeValues: {
          ":id": new Set(ids),
          ":max": Math.floor(maxIndexBytes / 40),
        },
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    return added.ConsumedCapacity?.CapacityUnits ?? 0;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const marked = await store.client.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: key,
        UpdateExpression: "SET #full = :full REMOVE #ids",
        ExpressionAttributeNames: { "#full": "full", "#ids": "ids" },
        ExpressionAttributeValues: { ":full": true },
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    return marked.ConsumedCapacity?.CapacityUnits ?? 0;
  }
}

const indexItem = once(() =>
  z.object({
    ids: z.optional(z.instanceof(Set)),
    full: z.optional(z.literal(true)),
  }),
);

/** The slice ids the index lists; undefined when there is none to trust (absent, full or unreadable). */
export function sliceIdsFromItem(item: Record<string, unknown> | undefined): Set<string> | undefined {
  const parsed = indexItem().safeParse(item);
  if (!parsed.success || !item || parsed.data.full) return undefined;
  const ids = new Set<string>();
  for (const id of parsed.data.ids ?? []) {
    if (typeof id !== "string") return undefined;
    ids.add(id);
  }
  return ids;
}
