import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { keys, type Store } from "./table.ts";

/**
 * Firewall rule names go before snapshots on the token's REST budget: a zone's
 * rule-labelled groups wait at its start until its names are read (their counting waits
 * for them), while a snapshot taken late only keeps its last a while longer. A run that finds names waiting for the budget notes
 * until when; every fetcher's snapshots wait while the note holds.
 */
const noteKey = { pk: keys.discovery, sk: keys.ruleNamesWait };

/** Unix ms until which snapshots wait (0: never noted). */
export async function readRuleNamesWait(store: Store): Promise<number> {
  const response = await store.client.send(new GetCommand({ TableName: store.tableName, Key: noteKey }));
  return typeof response.Item?.untilMs === "number" ? response.Item.untilMs : 0;
}

/** Keeps the latest end: a note never ends earlier because a shorter one was written after it. */
export async function noteRuleNamesWait(store: Store, untilMs: number): Promise<void> {
  try {
    await store.client.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { ...noteKey, untilMs },
        ConditionExpression: "attribute_not_exists(untilMs) OR untilMs < :until",
        ExpressionAttributeValues: { ":until": untilMs },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
