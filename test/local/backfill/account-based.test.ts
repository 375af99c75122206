import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { httpRequests1m } from "../../../lambda/catalogue/groups/http-requests-1m.ts";
import { tokenDigest } from "../../../lambda/store/budget.ts";
import { backfillSamples } from "../../../local/backfill/collect.ts";
import type { WorldSpec } from "../../../local/simulator/world.ts";
import { type Harness, startHarness } from "../../collect/harness.ts";

/**
 * The backfill under GRAPHQL_ACCOUNT_BASED_RATE_LIMITING, against the simulator over HTTP:
 * it sends the fetcher's account-based requests (the header, every zone list nested in its
 * account, each account's own budget), which the simulator charges to the accounts; a zone
 * list at the viewer level would be refused with a 400 in that mode. Every zone-minute of
 * the range equals the simulator's ground truth.
 */
const world: WorldSpec = {
  seed: "backfill-account-based",
  accounts: ["North", "South"].map((name) => ({
    name,
    zones: Array.from({ length: 12 }, (_, i) => ({
      name: `site-${i}.${name.toLowerCase()}.example`,
      plan: "business" as const,
    })),
  })),
  tokens: [{ value: "sim-token" }],
};

describe("backfill with account-based rate limiting", () => {
  let harness: Harness | undefined;
  afterEach(() => harness?.close());

  it("asks per account, nested, and every zone-minute equals ground truth", async () => {
    harness = await startHarness({ world, env: { GRAPHQL_ACCOUNT_BASED_RATE_LIMITING: "true" } });
    const h = harness;
    const deps = h.runtime();
    // Settled minutes only (the simulator settles a minute 240 s after it ends).
    const to = Math.floor((h.clock.now() / 1000 - 300) / 60) * 60;
    const from = to - 30 * 60;
    const { minutes, targets } = await backfillSamples(deps, {
      from,
      to,
      groups: [httpRequests1m],
      zones: [],
    });
    expect(targets).toBe(24);

    const wrong: string[] = [];
    let checked = 0;
    for (const zone of h.simulator.world.zones) {
      for (let m = from; m < to; m += 60) {
        const truth = h.simulator.groundTruth({
          dataset: "httpRequests1mGroups",
          zoneTag: zone.id,
          field: "sum.requests",
          from: m,
          to: m + 60,
        });
        const got = minutes.get(m)?.get(`cloudflare_zone_requests_total{zone="${zone.name}"}`)?.value ?? 0;
        checked += 1;
        if (got !== truth) wrong.push(`${zone.name}@${m}: ${got} != ${truth}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(24 * 30);

    // Per account: 2 settings queries (12 zones, ten a query) and 2 backfill requests (the
    // zones in two chunks, the 30 minutes in one piece), all charged to the account.
    const ids = h.simulator.world.accounts.map((a) => a.id);
    expect(Object.fromEntries(h.simulator.accountBased.admitted)).toEqual(
      Object.fromEntries(ids.map((id) => [`account:${id}`, 4])),
    );
    expect(h.simulator.requests.graphql).toBe(8);
    expect(deps.stats.graphqlRequests).toBe(8);
    // The exporter's budget is the accounts' too: the token's GraphQL budget holds none.
    const calls = async (scope: string) => {
      const key = { pk: `BUDGET#${tokenDigest("sim-token")}`, sk: scope };
      const item = await h.store.client.send(new GetCommand({ TableName: h.store.tableName, Key: key }));
      return Object.values((item.Item?.slots ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
    };
    expect(await Promise.all(["graphql", ...ids.map((id) => `graphql#${id}`)].map(calls))).toEqual([0, 4, 4]);
  }, 120_000);
});
