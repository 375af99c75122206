import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { readDocument, writeDocument } from "../../lambda/store/items.ts";
import { createStore, createTable, type Store } from "../../lambda/store/table.ts";
import { type EmbeddedDynamo, startDynalite } from "../../local/dynalite.ts";

let dynamo: EmbeddedDynamo;
let store: Store;

beforeAll(async () => {
  dynamo = await startDynalite();
  store = createStore("documents", { endpoint: dynamo.endpoint });
  await createTable(store);
});
afterAll(async () => dynamo.close());

const zoneList = z.array(
  z.object({ id: z.string(), name: z.string(), settings: z.record(z.string(), z.unknown()) }),
);

describe("discovery documents", () => {
  it("hold a thousand zones' list with their settings, over DynamoDB's 400 KB as JSON", async () => {
    const settings = Object.fromEntries(
      Array.from({ length: 16 }, (_, i) => [
        `dataset${i}AdaptiveGroups`,
        { enabled: true, maxDuration: 86_400, notOlderThan: 2_678_400, maxPageSize: 10_000 },
      ]),
    );
    const zones = Array.from({ length: 1000 }, (_, i) => ({
      id: i.toString(16).padStart(32, "0"),
      name: `z${i}.estate0.example`,
      settings,
    }));
    expect(JSON.stringify(zones).length).toBe(1_770_891);
    await writeDocument(store, "ACCOUNT#a", "ZONES", zones, 1_000);
    expect(await readDocument(store, "ACCOUNT#a", "ZONES", zoneList)).toEqual({
      value: zones,
      fetchedAt: 1_000,
    });
  });

  it("written as plain JSON before are still read", async () => {
    await store.client.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { pk: "ACCOUNT#b", sk: "ZONES", document: JSON.stringify([]), fetchedAt: 2_000 },
      }),
    );
    expect(await readDocument(store, "ACCOUNT#b", "ZONES", zoneList)).toEqual({
      value: [],
      fetchedAt: 2_000,
    });
  });
});
