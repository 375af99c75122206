import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryAccount } from "../../lambda/store/shards.ts";
import { recordRun, runStatusFromItem } from "../../lambda/store/status.ts";
import { createStore, createTable, keys, type Store } from "../../lambda/store/table.ts";
import { type EmbeddedDynamo, startDynalite } from "../../local/dynalite.ts";

let dynamo: EmbeddedDynamo;
let store: Store;

beforeAll(async () => {
  dynamo = await startDynalite();
  store = createStore("status", { endpoint: dynamo.endpoint });
  await createTable(store);
});
afterAll(async () => dynamo.close());

async function readStatus(accountId: string) {
  const item = (await queryAccount(store, accountId)).find((row) => row.sk === keys.status);
  if (!item) throw new Error("no STATUS item");
  return runStatusFromItem(item);
}

describe("the STATUS item, written by the fetcher and read by the endpoint", () => {
  it("adds counters run after run and keeps the last run's summary", async () => {
    const summary = (finishedAt: number) => ({ finishedAt, minutesCounted: 3, errorCount: 1 });
    await recordRun(store, "acc", new Map([["timeout", 1]]), summary(1000), {
      graphqlRequests: 2,
      restRequests: 5,
      rateLimitEvents: 0,
    });
    await recordRun(
      store,
      "acc",
      new Map([
        ["timeout", 2],
        ["http_500", 1],
      ]),
      summary(2000),
      {
        graphqlRequests: 3,
        restRequests: 1,
        rateLimitEvents: 1,
      },
    );
    const status = await readStatus("acc");
    expect([...status.errors].sort()).toEqual([
      ["http_500", 1],
      ["timeout", 3],
    ]);
    expect([status.graphqlRequests, status.restRequests, status.rateLimitEvents]).toEqual([5, 6, 1]);
    expect(status.lastRun).toEqual(summary(2000));
  });

  it("reads an unreadable last run as absent, not as an error of the scrape", () => {
    expect(runStatusFromItem({ lastRun: { finishedAt: "soon" }, graphqlRequests: 4 })).toEqual({
      errors: new Map(),
      graphqlRequests: 4,
      restRequests: 0,
      rateLimitEvents: 0,
      lastRun: undefined,
    });
  });
});
