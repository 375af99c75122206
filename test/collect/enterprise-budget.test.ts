import { afterEach, describe, expect, it } from "vitest";
import { adaptiveOriginErrors } from "../../lambda/catalogue/groups/adaptive-origin-errors.ts";
import { colocation } from "../../lambda/catalogue/groups/colocation.ts";
import { colocationErrors } from "../../lambda/catalogue/groups/colocation-errors.ts";
import { edgeStatusCountryHost } from "../../lambda/catalogue/groups/edge-status-country-host.ts";
import { firewallEvents } from "../../lambda/catalogue/groups/firewall-events.ts";
import { httpRequests1m } from "../../lambda/catalogue/groups/http-requests-1m.ts";
import { originStatus } from "../../lambda/catalogue/groups/origin-status.ts";
import { requestMethods } from "../../lambda/catalogue/groups/request-methods.ts";
import { discover } from "../../lambda/handlers/discover.ts";
import { fetchOne } from "../../lambda/handlers/fetch-account.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import type { WorldSpec } from "../../local/simulator/world.ts";
import { type Harness, startHarness } from "./harness.ts";
import { recount } from "./recount.ts";

/**
 * Enterprise's account-based budget (15 requests a second per account: 4,500 in any 5
 * minutes) is usable: with GRAPHQL_ACCOUNT_BASED_RATE_LIMITING a per-account
 * GRAPHQL_REQUESTS_PER_5_MINUTES above 300 sizes widening and the Map's concurrency.
 * Three accounts of 60 zones (6 chunks) asked for 8 zone groups, one per request
 * (GRAPHQL_MAX_DATASETS_PER_REQUEST=1): 48 requests a minute per account. 300 affords
 * 300 / 5 × 0.8 − 1 = 47 a minute, so each chunk would wait 2 minutes; 400 affords 63.
 */
const groups = [
  httpRequests1m,
  adaptiveOriginErrors,
  edgeStatusCountryHost,
  colocation,
  colocationErrors,
  requestMethods,
  originStatus,
  firewallEvents,
];

const world: WorldSpec = {
  seed: "enterprise-budget",
  accounts: ["East", "West", "Centre"].map((name) => ({
    name,
    zones: Array.from({ length: 60 }, (_, i) => ({
      name: `site-${i}.${name.toLowerCase()}.example`,
      plan: "enterprise" as const,
      // Little traffic: the request count is what this test is about, and rows cost time.
      requestsPerMinute: 5,
    })),
  })),
  tokens: [{ value: "sim-token" }],
};

describe("an Enterprise per-account GraphQL budget", () => {
  let harness: Harness | undefined;
  afterEach(() => harness?.close());

  it("collects every chunk every minute at 400 per account, where 300 widens to every 2 minutes", async () => {
    const env = {
      GRAPHQL_ACCOUNT_BASED_RATE_LIMITING: "true",
      GRAPHQL_REQUESTS_PER_5_MINUTES: "400",
      GRAPHQL_MAX_DATASETS_PER_REQUEST: "1",
    };
    harness = await startHarness({
      world,
      env,
      simulator: { accountBasedBudget: { account: 4_500, zone: 3_000, windowSeconds: 300 } },
    });
    const h = harness;
    const scheduledTime = () => new Date(h.clock.now()).toISOString();
    const before = h.simulator.requests.graphql;
    const collected: number[] = [];
    for (let run = 0; run < 2; run++) {
      const { accounts: items, maxConcurrency } = await discover(h.runtime({ groups }), {
        scheduledTime: scheduledTime(),
      });
      expect(items.map((item) => item.everyMinutes ?? 1)).toEqual([1, 1, 1]);
      // 3 × 400 / 5 = 240 a minute for items of 48 + 1 requests: 4, capped by the 3 items.
      expect(maxConcurrency).toBe(3);
      const summaries = await Promise.all(items.map((item) => fetchOne(h.runtime({ groups }), item)));
      for (const summary of summaries) expect(summary.errors).toEqual([]);
      collected.push(summaries.reduce((sum, s) => sum + s.zonesCollected, 0));
      h.clock.advance(60_000);
    }
    expect(collected).toEqual([180, 180]);
    // Per account: 6 settings queries (the first discovery), then 48 chunk requests a minute.
    const ids = h.simulator.world.accounts.map((a) => a.id);
    expect(Object.fromEntries(h.simulator.accountBased.admitted)).toEqual(
      Object.fromEntries(ids.map((id) => [`account:${id}`, 6 + 2 * 48])),
    );
    expect(h.simulator.requests.graphql - before).toBe(3 * (6 + 2 * 48));
    expect(h.simulator.ceiling.budgetAnswers).toBe(0);
    for (const id of ids) {
      const shards = await readAccountShards(h.store, id);
      expect(new Set(shards.map((s) => s.cursor)), id).toEqual(
        new Set([h.clock.now() / 1000 - 30 - 60 - 300]),
      );
    }
    expect((await recount(h.simulator, h.store, undefined, groups)).mismatches).toEqual([]);
    // The same estate at 300 per account: 48 chunk requests a minute against 47.
    const at300 = await discover(h.runtime({ groups, env: { GRAPHQL_REQUESTS_PER_5_MINUTES: "300" } }), {
      scheduledTime: scheduledTime(),
    });
    expect(at300.accounts.map((item) => item.everyMinutes)).toEqual([2, 2, 2]);
  }, 300_000);
});
