import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../lambda/store/table.ts";

/** DynamoDB's read billing, computed from the items a read returned (dynalite reports no read units). */
/** DynamoDB's item size: attribute names plus values (numbers about one byte per two digits). */
export function itemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += name.length;
    if (typeof value === "string") bytes += Buffer.byteLength(value);
    else if (typeof value === "number") bytes += Math.ceil(String(value).length / 2) + 1;
    else if (value instanceof Uint8Array) bytes += value.byteLength;
    else bytes += Buffer.byteLength(JSON.stringify(value ?? null));
  }
  return bytes;
}

/** Read units of a read that returned these items (Query: summed, then per 4 KB; Get: per item). */
export function readUnits(items: readonly Record<string, unknown>[], consistent: boolean, summed: boolean) {
  const per = consistent ? 1 : 0.5;
  if (summed)
    return Math.max(1, Math.ceil(items.reduce((sum, item) => sum + itemBytes(item), 0) / 4096)) * per;
  return items.reduce((sum, item) => sum + Math.max(1, Math.ceil(itemBytes(item) / 4096)) * per, 0);
}

/**
 * The store with the read units of every read counted into `counted.readUnits`: a Query's
 * items summed, per 4 KB; a BatchGet's per item, and a key that finds nothing as one unit
 * (DynamoDB bills a read of a missing item at its minimum).
 */
export function readCountingStore(store: Store, counted: { readUnits: number }): Store {
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const response = (await store.client.send(command as never)) as {
      Items?: Record<string, unknown>[];
      Item?: Record<string, unknown>;
      Responses?: Record<string, Record<string, unknown>[]>;
    };
    const name = command.constructor.name;
    const consistent = command.input.ConsistentRead === true;
    if (name === "QueryCommand") counted.readUnits += readUnits(response.Items ?? [], consistent, true);
    if (name === "GetCommand")
      counted.readUnits += readUnits(response.Item ? [response.Item] : [], consistent, false);
    if (name === "BatchGetCommand") {
      const found = Object.values(response.Responses ?? {}).flat();
      const asked = Object.values(command.input.RequestItems as Record<string, { Keys: unknown[] }>).reduce(
        (sum, request) => sum + request.Keys.length,
        0,
      );
      counted.readUnits += readUnits(found, false, false) + (asked - found.length) * 0.5;
    }
    return response;
  };
  return { ...store, client: { send } as unknown as DynamoDBDocumentClient };
}
