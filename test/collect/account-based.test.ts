import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { discover } from "../../lambda/handlers/discover.ts";
import { fetchOne } from "../../lambda/handlers/fetch-account.ts";
import { tokenDigest } from "../../lambda/store/budget.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import type { WorldSpec } from "../../local/simulator/world.ts";
import { type Harness, startHarness } from "./harness.ts";
import { recount } from "./recount.ts";

/**
 * GRAPHQL_ACCOUNT_BASED_RATE_LIMITING against the simulator over HTTP: every GraphQL
 * request asks for account-based rate limiting and nests its zones in one `accounts`
 * block, the shared budget is kept per account, and widening is sized per account. Two
 * accounts of 20 zones (two chunks each) under a token whose own budget is 20 requests
 * per 5 minutes: one token budget would make each chunk wait 4 minutes; each account's
 * own budget of 20 affords every chunk every minute.
 */
const world: WorldSpec = {
  seed: "account-based",
  accounts: ["North", "South"].map((name) => ({
    name,
    zones: Array.from({ length: 20 }, (_, i) => ({
      name: `site-${i}.${name.toLowerCase()}.example`,
      plan: "business" as const,
    })),
  })),
  tokens: [{ value: "sim-token" }],
};

describe("account-based rate limiting", () => {
  let harness: Harness | undefined;
  afterEach(() => harness?.close());

  it("gives each account its own budget, nests every zone list, and counts exactly", async () => {
    harness = await startHarness({
      world,
      env: { GRAPHQL_REQUESTS_PER_5_MINUTES: "20", GRAPHQL_ACCOUNT_BASED_RATE_LIMITING: "true" },
      simulator: {
        graphqlBudget: { limit: 20, windowSeconds: 300 },
        accountBasedBudget: { account: 20, zone: 20, windowSeconds: 300 },
      },
    });
    const h = harness;
    const scheduledTime = () => new Date(h.clock.now()).toISOString();
    const before = { ...h.simulator.requests };
    const written: number[] = [];
    for (let run = 0; run < 5; run++) {
      const { accounts: items, maxConcurrency } = await discover(h.runtime(), {
        scheduledTime: scheduledTime(),
      });
      // Each account's own: 20 / 5 × 0.8 − 1 = 2.2 a minute for its 2 chunks: every minute.
      expect(items.map((item) => item.everyMinutes ?? 1)).toEqual([1, 1]);
      expect(maxConcurrency).toBe(2);
      const summaries = await Promise.all(items.map((item) => fetchOne(h.runtime(), item)));
      for (const summary of summaries) expect(summary.errors).toEqual([]);
      written.push(summaries.reduce((sum, s) => sum + s.zonesCollected, 0));
      h.clock.advance(60_000);
    }
    expect(written).toEqual([40, 40, 40, 40, 40]);
    // Per account in these 5 minutes: 2 settings queries (the first discovery) and 2 chunks a
    // minute; 24 together, more than the token's 20, and not one `budget` answer. Every
    // request carried the header and exactly one `accounts` block (no zone list at the viewer level).
    const ids = h.simulator.world.accounts.map((a) => a.id);
    expect(Object.fromEntries(h.simulator.accountBased.admitted)).toEqual(
      Object.fromEntries(ids.map((id) => [`account:${id}`, 12])),
    );
    expect(h.simulator.requests.graphql - before.graphql).toBe(24);
    expect(h.simulator.ceiling.budgetAnswers).toBe(0);
    // The exporter's shared budget is kept per account: each account's holds its 12 calls,
    // the token's GraphQL budget none.
    const calls = async (scope: string) => {
      const key = { pk: `BUDGET#${tokenDigest("sim-token")}`, sk: scope };
      const item = await h.store.client.send(new GetCommand({ TableName: h.store.tableName, Key: key }));
      const slots = (item.Item?.slots ?? {}) as Record<string, number>;
      return Object.values(slots).reduce((sum, n) => sum + n, 0);
    };
    expect(await Promise.all(["graphql", ...ids.map((id) => `graphql#${id}`)].map(calls))).toEqual([
      0, 12, 12,
    ]);
    for (const id of ids) {
      const shards = await readAccountShards(h.store, id);
      expect(new Set(shards.map((s) => s.cursor)), id).toEqual(
        new Set([h.clock.now() / 1000 - 30 - 60 - 300]),
      );
    }
    expect((await recount(h.simulator, h.store)).mismatches).toEqual([]);
    const perToken = await discover(h.runtime({ env: { GRAPHQL_ACCOUNT_BASED_RATE_LIMITING: "false" } }), {
      scheduledTime: scheduledTime(),
    });
    // The same estate with one budget of 20 for both: 20 / 5 × 0.8 − 2 = 1.2 requests a minute for 4 chunks.
    expect(perToken.accounts.map((item) => item.everyMinutes)).toEqual([4, 4]);
  }, 300_000);
});
