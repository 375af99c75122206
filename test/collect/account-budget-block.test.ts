import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../lambda/config/config.ts";
import { discover } from "../../lambda/handlers/discover.ts";
import { fetchOne } from "../../lambda/handlers/fetch-account.ts";
import { buildFamilies } from "../../lambda/serve/families.ts";
import { health } from "../../lambda/serve/health.ts";
import { readState } from "../../lambda/serve/state.ts";
import { statusPage } from "../../lambda/serve/status-page.ts";
import type { WorldSpec } from "../../local/simulator/world.ts";
import { type Harness, startHarness } from "./harness.ts";

/**
 * A `budget` answer for one account under account-based rate limiting, against the
 * simulator over HTTP and dynalite: Cloudflare allows each account 4 requests per 5
 * minutes; Busy (30 zones: 3 settings queries, then 3 chunks) meets it on its fifth
 * request, Calm and Quiet (5 zones: 1 + 1) never do. The status page and the self-metric
 * name Busy and the end of its block; the other accounts are not shown as blocked.
 */
const zones = (name: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ name: `site-${i}.${name}.example`, plan: "business" as const }));

const world: WorldSpec = {
  seed: "account-budget-block",
  accounts: [
    { name: "Busy", zones: zones("busy", 30) },
    { name: "Calm", zones: zones("calm", 5) },
    { name: "Quiet", zones: zones("quiet", 5) },
  ],
  tokens: [{ value: "sim-token" }],
};

const env = { GRAPHQL_ACCOUNT_BASED_RATE_LIMITING: "true", GRAPHQL_REQUESTS_PER_5_MINUTES: "100" };

describe("a spent account budget on the status page", () => {
  let harness: Harness | undefined;
  afterEach(() => harness?.close());

  it("names the blocked account, until when and what it had used; the others are available", async () => {
    harness = await startHarness({
      world,
      env,
      simulator: { accountBasedBudget: { account: 4, zone: 300, windowSeconds: 300 }, budgetStatus: "429" },
    });
    const h = harness;
    const scheduledTime = new Date(h.clock.now()).toISOString();
    const { accounts: items } = await discover(h.runtime(), { scheduledTime });
    const summaries = await Promise.all(items.map((item) => fetchOne(h.runtime(), item)));
    expect(summaries.map((s) => [s.accountName, s.errors.map((e) => e.code)])).toEqual([
      ["Busy", ["budget"]],
      ["Calm", []],
      ["Quiet", []],
    ]);
    const ids = Object.fromEntries(h.simulator.world.accounts.map((a) => [a.name, a.id]));
    expect(Object.fromEntries(h.simulator.accountBased.admitted)).toEqual({
      [`account:${ids.Busy}`]: 4,
      [`account:${ids.Calm}`]: 2,
      [`account:${ids.Quiet}`]: 2,
    });

    // Cloudflare names no wait: the block lasts the 5 minutes of the budget's window.
    const now = h.clock.now();
    const until = Date.UTC(2026, 10, 20, 12, 5, 30);
    expect(now + 300_000).toBe(until);
    const config = loadConfig({ ...env, CLOUDFLARE_API_BASE_URL: h.simulator.baseUrl });
    const state = await readState(h.store, config);
    // Busy's own budget had given 5 calls: its 3 settings queries, the chunk Cloudflare answered
    // and the one it refused (the run stops there).
    expect(state.graphqlBlocks).toEqual([
      { accountId: ids.Busy, untilMs: until, usage: { used: 5, limit: 100 } },
    ]);

    const page = statusPage(state, health(state, config, now), config, now);
    expect(page).toContain(
      '<p>Cloudflare GraphQL budget of the token: <strong class="healthy">available</strong></p>',
    );
    const table = page.slice(
      page.indexOf("<table><caption>GraphQL budgets per account"),
      page.indexOf("</table>"),
    );
    expect(table.match(/<tr><td>.*<\/td><\/tr>/g)).toEqual([
      "<tr><td>Busy</td><td>2026-11-20T12:05:30Z (in 5 min 0 s)</td><td>5 of 100 calls in the 5 minutes before</td></tr>",
    ]);

    const families = buildFamilies(state, config, { version: "test", runtime: "node" }, undefined, now);
    const blocked = families.find(
      (f) => f.name === "cloudflare_exporter_graphql_blocked_until_timestamp_seconds",
    );
    expect(blocked?.samples).toEqual([{ labels: [["account", "Busy"]], value: until / 1000 }]);

    // Once it has passed, no account is shown as blocked (the metric keeps its end).
    const later = until + 1_000;
    const afterwards = statusPage(state, health(state, config, later), config, later);
    expect(afterwards).toContain(
      '<p>GraphQL budget per account: <strong class="healthy">available</strong> for every account</p>',
    );
    expect(afterwards).not.toContain("GraphQL budgets per account that Cloudflare said are spent");
  }, 120_000);
});
