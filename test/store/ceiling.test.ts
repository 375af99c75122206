import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountCeiling } from "../../lambda/collect/fetch-within-ceiling.ts";
import { readCeiling } from "../../lambda/store/ceiling.ts";
import { createStore, createTable, keys, type Store } from "../../lambda/store/table.ts";
import { type EmbeddedDynamo, startDynalite } from "../../local/dynalite.ts";

/**
 * The ceiling document is shared by every work item of an account: two items that learn at
 * once both save, and the smaller working size stands whatever the order of their writes.
 */
let dynamo: EmbeddedDynamo;
let store: Store;
let accounts = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  store = createStore("ceiling", { endpoint: dynamo.endpoint });
  await createTable(store);
});
afterAll(async () => dynamo.close());

const period = 3_600_000;
const now = 1_800_000_000_000;
const load = (accountId: string, at = now) => AccountCeiling.load(store, accountId, at, period);
const newAccount = () => String(++accounts).padStart(32, "0");

describe("the ceiling document under concurrent work items", () => {
  it("keeps the smaller size two items learned at once, in either order of their writes", async () => {
    for (const order of ["together", "larger last", "smaller last"] as const) {
      const accountId = newAccount();
      const [a, b] = await Promise.all([load(accountId), load(accountId)]);
      // Both are refused at 150 (the ceiling is 60); a's further requests are small and it
      // keeps 75 as its working size, b is refused at 75 as well and works at 37.
      a.refused(150);
      a.succeeded(20);
      b.refused(150);
      b.refused(75);
      b.succeeded(37);
      if (order === "together") await Promise.all([a.save(), b.save()]);
      else if (order === "larger last") await b.save().then(() => a.save());
      else await a.save().then(() => b.save());
      expect(await readCeiling(store, accountId), order).toEqual({
        limit: 37,
        refused: 75,
        probeAfter: now + period,
      });
    }
  });

  it("keeps an answered probe's larger size and the latest probe time against a stale save", async () => {
    const accountId = newAccount();
    await store.client.send(
      new PutCommand({
        TableName: store.tableName,
        // As written before the document had a version.
        Item: {
          pk: keys.account(accountId),
          sk: "CEILING",
          state: { limit: 40, refused: 80, probeAfter: now },
          probeAfter: now,
        },
      }),
    );
    const [a, b] = await Promise.all([load(accountId), load(accountId)]);
    // One of the two claimed the probe (packed halfway up, 60) and was answered; the other
    // sent the working size and saw one more answer at 40 (nothing learned, nothing saved).
    const [prober, other] = a.size() === 60 ? [a, b] : [b, a];
    expect([prober.size(), other.size()]).toEqual([60, 40]);
    prober.succeeded(60);
    other.succeeded(40);
    await Promise.all([other.save(), prober.save()]);
    expect(await readCeiling(store, accountId)).toEqual({ limit: 60, refused: 80, probeAfter: now });
    // A third item, loaded before a fourth is refused at 70, saves a refusal at 80 after it:
    // the working size stays the smaller one and the probe stays put off by the later refusal.
    const stale = await load(accountId, now + 1_000);
    const fresh = await load(accountId, now + 2_000);
    fresh.refused(70);
    await fresh.save();
    stale.refused(80);
    await stale.save();
    expect(await readCeiling(store, accountId)).toEqual({
      limit: 60,
      refused: 70,
      probeAfter: now + 2_000 + period,
    });
  });
});
