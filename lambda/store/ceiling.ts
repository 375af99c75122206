import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { keys, type Store } from "./table.ts";

/**
 * The learned per-request ceiling of an account, `ACCOUNT#<id> / CEILING`. Losing an
 * update costs at most one more refusal, never a count; the probe is claimed with a
 * conditional update so fetchers of one account running at once probe only once.
 */
export const ceilingSortKey = "CEILING";

export const ceilingStateSchema = z.object({
  /** Largest request (in queries) answered since the last refusal; absent while none was refused. */
  limit: z.number().int().positive().optional(),
  /** Smallest request refused for its size; absent while none was. */
  refused: z.number().int().positive().optional(),
  /** Unix ms: no probe above `limit` before this (a refusal pushes it one probe period on). */
  probeAfter: z.number().default(0),
});
export type CeilingState = z.output<typeof ceilingStateSchema>;

export async function readCeiling(store: Store, accountId: string): Promise<CeilingState> {
  const response = await store.client.send(
    new GetCommand({ TableName: store.tableName, Key: { pk: keys.account(accountId), sk: ceilingSortKey } }),
  );
  const parsed = ceilingStateSchema.safeParse(response.Item?.state ?? {});
  return parsed.success ? parsed.data : { probeAfter: 0 };
}

export async function writeCeiling(store: Store, accountId: string, state: CeilingState): Promise<void> {
  await store.client.send(
    new PutCommand({
      TableName: store.tableName,
      Item: { pk: keys.account(accountId), sk: ceilingSortKey, state, probeAfter: state.probeAfter },
    }),
  );
}

/** Takes the right to probe until `untilMs`; false when another fetcher took it first. */
export async function claimProbe(
  store: Store,
  accountId: string,
  nowMs: number,
  untilMs: number,
): Promise<boolean> {
  try {
    await store.client.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: { pk: keys.account(accountId), sk: ceilingSortKey },
        UpdateExpression: "SET probeAfter = :until, #state.probeAfter = :until",
        ConditionExpression: "probeAfter <= :now",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: { ":now": nowMs, ":until": untilMs },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
