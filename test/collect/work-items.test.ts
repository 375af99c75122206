import { afterEach, describe, expect, it } from "vitest";
import { planWorkItems } from "../../lambda/collect/work-items.ts";
import { discover } from "../../lambda/handlers/discover.ts";
import { fetchOne } from "../../lambda/handlers/fetch-account.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import type { WorldSpec } from "../../local/simulator/world.ts";
import { type Harness, startHarness } from "./harness.ts";
import { recount } from "./recount.ts";

const account = { id: "a".repeat(32), name: "Big" };

/** One account of 25 paid zones and one of 2. */
const world: WorldSpec = {
  seed: "work-items",
  accounts: [
    {
      name: "Platform",
      zones: Array.from({ length: 25 }, (_, i) => ({ name: `site-${i}.example`, plan: "business" as const })),
    },
    {
      name: "Small",
      zones: [
        { name: "small.example", plan: "pro" },
        { name: "tiny.example", plan: "pro" },
      ],
    },
  ],
  tokens: [{ value: "sim-token" }],
};

describe("work items", () => {
  let harness: Harness | undefined;
  afterEach(() => harness?.close());

  it("splits an account larger than ZONES_PER_WORK_ITEM into zone slices, the first doing the account's own datasets", () => {
    expect(planWorkItems(account, 25, 10, "t")).toEqual([
      { accountId: account.id, accountName: "Big", scheduledTime: "t", zones: [0, 10], accountStages: true },
      {
        accountId: account.id,
        accountName: "Big",
        scheduledTime: "t",
        zones: [10, 20],
        accountStages: false,
      },
      {
        accountId: account.id,
        accountName: "Big",
        scheduledTime: "t",
        zones: [20, 25],
        accountStages: false,
      },
    ]);
    expect(planWorkItems(account, 10, 10)).toEqual([{ accountId: account.id, accountName: "Big" }]);
    // Zones unknown (discovery failed): the whole account, as one item.
    expect(planWorkItems(account, undefined, 10)).toEqual([{ accountId: account.id, accountName: "Big" }]);
  });

  it("counts every zone exactly once when the items of one account run side by side, repeated or not", async () => {
    harness = await startHarness({ world, env: { ZONES_PER_WORK_ITEM: "10" } });
    const h = harness;
    for (let run = 0; run < 6; run++) {
      const deps = h.runtime();
      const { accounts: items } = await discover(deps, {
        scheduledTime: new Date(h.clock.now()).toISOString(),
      });
      expect(items.map((item) => item.zones ?? "all")).toEqual([[0, 10], [10, 20], [20, 25], "all"]);
      // As the Map runs them: side by side; on the third run one item is delivered twice.
      const runs = items.map((item) => fetchOne(h.runtime(), item));
      if (run === 2 && items[1]) runs.push(fetchOne(h.runtime({ withoutLease: true }), items[1]));
      for (const summary of await Promise.all(runs)) expect(summary.errors).toEqual([]);
      h.clock.advance(60_000);
    }
    const result = await recount(h.simulator, h.store);
    expect(result.mismatches).toEqual([]);
    // Every zone of both accounts was counted, each up to the same settled minute.
    for (const [name, zones] of [
      ["Platform", 25],
      ["Small", 2],
    ] as const) {
      const id = h.simulator.world.accounts.find((a) => a.name === name)?.id ?? "";
      const shards = await readAccountShards(h.store, id);
      expect(new Set(shards.map((s) => s.scopeId)).size, name).toBe(zones);
      expect(new Set(shards.map((s) => s.cursor)), name).toEqual(
        new Set([h.clock.now() / 1000 - 30 - 60 - 300]),
      );
    }
  }, 300_000);

  it("widens evenly when the token's budget cannot afford every chunk every minute, and stays exact", async () => {
    // 30 a 5 minutes leaves 2.8 a minute for 4 chunks: each chunk every 2 minutes.
    harness = await startHarness({
      world,
      env: { ZONES_PER_WORK_ITEM: "10", GRAPHQL_REQUESTS_PER_5_MINUTES: "30" },
    });
    const h = harness;
    const collected: number[] = [];
    const othersWaiting: (number | undefined)[][] = [];
    for (let run = 0; run < 8; run++) {
      const { accounts: items } = await discover(h.runtime(), {
        scheduledTime: new Date(h.clock.now()).toISOString(),
      });
      expect(new Set(items.map((item) => item.everyMinutes))).toEqual(new Set([2]));
      othersWaiting.push(items.map((item) => item.onBudget?.othersWaiting));
      const summaries = await Promise.all(items.map((item) => fetchOne(h.runtime(), item)));
      collected.push(summaries.reduce((sum, s) => sum + s.shardsWritten, 0));
      h.clock.advance(60_000);
    }
    // The 27 zones (chunks of 10, 10, 5 and 2) in two alternating turns: each zone every 2 minutes.
    // (Which turn comes first follows from the accounts' and items' offsets.)
    expect(collected).toEqual([17, 10, 17, 10, 17, 10, 17, 10]);
    // What discovery tells each item of the other items' chunks that have not begun: unknown
    // before any item kept a schedule; after the first minute, the chunk of items [10, 20)
    // not yet collected (to the three other items); none from then on.
    const none = [0, 0, 0, 0];
    expect(othersWaiting).toEqual([
      [undefined, undefined, undefined, undefined],
      [1, 0, 1, 1],
      ...Array(6).fill(none),
    ]);
    const result = await recount(h.simulator, h.store);
    expect(result.mismatches).toEqual([]);
  }, 300_000);
});
