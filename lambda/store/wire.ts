import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";

/**
 * The document client's values as DynamoDB's JSON API carries them (store/direct-client.ts):
 * marshalled and unmarshalled by the SDK's own util-dynamodb, as the document client does,
 * with binary values as base64 on the wire and plain Uint8Arrays in the code.
 */
export interface WireValue {
  S?: string;
  N?: string;
  B?: string;
  BOOL?: boolean;
  NULL?: boolean;
  M?: WireItem;
  L?: WireValue[];
  SS?: string[];
  NS?: string[];
  BS?: string[];
}
export type WireItem = Record<string, WireValue>;

/** The document client's input as the wire wants it: its keys, items and values marshalled, bytes in base64. */
export function wireInput(input: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  for (const name of ["Key", "Item", "ExpressionAttributeValues", "ExclusiveStartKey"] as const) {
    const value = (input as Record<string, unknown>)[name];
    if (value) out[name] = base64Bytes(marshall(value as Record<string, unknown>));
  }
  return out;
}

export function base64Bytes(value: unknown): unknown {
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (value instanceof Set) return [...value].map(base64Bytes);
  if (Array.isArray(value)) return value.map(base64Bytes);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, base64Bytes(inner)]));
  return value;
}

/** The SDK's unmarshalling, once binary values (base64 on the wire) are bytes as the SDK gives them. */
export const nativeItem = (item: WireItem): Record<string, unknown> =>
  unmarshall(
    Object.fromEntries(Object.entries(item).map(([name, value]) => [name, withBytes(value)])) as never,
  );

function withBytes(value: WireValue): unknown {
  if (value.B !== undefined) return { B: bytesOf(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(bytesOf) };
  if (value.M !== undefined)
    return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, withBytes(v)])) };
  if (value.L !== undefined) return { L: value.L.map(withBytes) };
  return value;
}

/** A plain Uint8Array over the decoded bytes, as the SDK gives binary values. */
function bytesOf(base64: string): Uint8Array {
  const buffer = Buffer.from(base64, "base64");
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export const mapValues = <T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(record).map(([name, value]) => [name, map(value)]));
