import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import { keys, type Store } from "./table.ts";

/**
 * The learned per-request ceiling of an account, `ACCOUNT#<id> / CEILING`, shared by every
 * work item of the account. Every change is conditional on the version read: a fetcher
 * whose write lost a race reads the newer document and applies its own observations to it
 * again, so a smaller size another item learned is never overwritten by a stale larger one.
 * The probe is claimed with a conditional update (which moves the version on too), so
 * fetchers of one account running at once probe only once.
 */
export const ceilingSortKey = "CEILING";

/** Built at first use, so a cold start that reads no ceiling does not build it. */
export const ceilingStateSchema = once(() =>
  z.object({
    /** Largest request (in queries) answered since the last refusal; absent while none was refused. */
    limit: z.optional(z.number().check(z.int(), z.positive())),
    /** Smallest request refused for its size; absent while none was. */
    refused: z.optional(z.number().check(z.int(), z.positive())),
    /** Unix ms: no probe above `limit` before this (a refusal pushes it one probe period on). */
    probeAfter: z._default(z.number(), 0),
  }),
);
export type CeilingState = z.output<ReturnType<typeof ceilingStateSchema>>;

const key = (accountId: string) => ({ pk: keys.account(accountId), sk: ceilingSortKey });

async function readVersioned(
  store: Store,
  accountId: string,
): Promise<{ state: CeilingState; version: number | undefined }> {
  const response = await store.client.send(
    new GetCommand({ TableName: store.tableName, Key: key(accountId), ConsistentRead: true }),
  );
  const parsed = ceilingStateSchema().safeParse(response.Item?.state ?? {});
  const version = typeof response.Item?.version === "number" ? response.Item.version : undefined;
  return { state: parsed.success ? parsed.data : { probeAfter: 0 }, version };
}

export async function readCeiling(store: Store, accountId: string): Promise<CeilingState> {
  return (await readVersioned(store, accountId)).state;
}

/** Writes lost to other fetchers before a save gives up (each loss means another item saved). */
const maxConflicts = 20;

/**
 * Stores `change(stored)`, conditional on the version read; on a concurrent write, reads the
 * newer state and applies `change` to it again. False when every try lost a race: the
 * learned size is then one more refusal away from being learned again, never a count.
 */
export async function updateCeiling(
  store: Store,
  accountId: string,
  change: (stored: CeilingState) => CeilingState,
): Promise<boolean> {
  for (let attempt = 0; attempt < maxConflicts; attempt++) {
    const { state, version } = await readVersioned(store, accountId);
    const next = change(state);
    try {
      await store.client.send(
        new PutCommand({
          TableName: store.tableName,
          Item: { ...key(accountId), state: next, probeAfter: next.probeAfter, version: (version ?? 0) + 1 },
          // An item written before versions existed has none: it counts as version 0.
          ConditionExpression:
            version === undefined ? "attribute_not_exists(#version)" : "#version = :version",
          ExpressionAttributeNames: { "#version": "version" },
          ...(version === undefined ? {} : { ExpressionAttributeValues: { ":version": version } }),
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  return false;
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
        Key: key(accountId),
        // The version moves on, so a save computed before the claim is applied again after it.
        UpdateExpression: "SET probeAfter = :until, #state.probeAfter = :until ADD #version :one",
        ConditionExpression: "probeAfter <= :now",
        ExpressionAttributeNames: { "#state": "state", "#version": "version" },
        ExpressionAttributeValues: { ":now": nowMs, ":until": untilMs, ":one": 1 },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
