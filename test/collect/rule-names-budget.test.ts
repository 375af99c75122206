import { afterEach, describe, expect, it } from "vitest";
import { firewallEvents } from "../../lambda/catalogue/groups/firewall-events.ts";
import { CloudflareApiError } from "../../lambda/cloudflare/errors.ts";
import { type FetchDeps, fetchAccount } from "../../lambda/collect/fetch-account.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { type Harness, startHarness } from "./harness.ts";
import { recount } from "./recount.ts";

/**
 * A large estate's first cycle spends the REST budget before every zone's firewall rule
 * names are read. Counting those zones' rules by ID now and by name later would split each
 * rule's series in two; the zones' chunks wait to begin until their names are read, and
 * count from the first run's start all the same.
 */
const minutes = (n: number) => n * 60_000;

/** The run's own REST limiter refusing the rulesets, as when the budget is spent. */
function rulesetsOutOfBudget(deps: FetchDeps): FetchDeps {
  const list = deps.rest.list.bind(deps.rest);
  deps.rest.list = async (path, schema, query) => {
    if (path.includes("/rulesets")) {
      throw new CloudflareApiError("rateLimited", `${path}: this run's request budget is spent`);
    }
    return list(path, schema, query);
  };
  return deps;
}

describe("firewall rule names out of REST budget", () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it("keeps the zones' rule-labelled series waiting, then counts them by name, exactly", async () => {
    harness = await startHarness();
    const groups = [firewallEvents];
    const zones = harness.simulator.world.zones.filter((zone) => zone.firewallRules.length > 0);
    await Promise.all(
      harness.simulator.world.accounts.map((account) =>
        fetchAccount(rulesetsOutOfBudget(harness.runtime({ groups })), {
          id: account.id,
          name: account.name,
        }),
      ),
    );
    const firewallShards = async () => {
      const shards = [];
      for (const account of harness.simulator.world.accounts)
        shards.push(
          ...(await readAccountShards(harness.store, account.id)).filter(
            (shard) => shard.group === firewallEvents.name,
          ),
        );
      return shards;
    };
    // The first run's start: 12:00:30 less the 5-minute delay, cut to the minute, less the hour's lookback.
    const firstStart = Date.UTC(2026, 10, 20, 10, 55) / 1000;
    // No zone's firewall events were counted without names: their chunks wait to begin, whole.
    expect(await firewallShards()).toEqual([]);
    for (let run = 0; run < 3; run++) {
      harness.clock.advance(minutes(5));
      await harness.runAll({ groups });
    }
    expect(zones.map((zone) => zone.name).sort()).toEqual([
      "example-blog.net",
      "example-shop.com",
      "example.com",
      "example.org",
      "sideproject.app",
      "sideproject.dev",
    ]);
    // The zones whose plan has firewall events, counted from the first run's start once named.
    const caughtUp = await firewallShards();
    expect(caughtUp.map((s) => [s.start, s.cursor])).toEqual(
      Array(4).fill([firstStart, Date.UTC(2026, 10, 20, 12, 10) / 1000]),
    );
    // Labelled by ID in the first run and by name after, 728 series differed from the recount.
    expect((await recount(harness.simulator, harness.store, undefined, groups)).mismatches).toEqual([]);
  });
});
