import { afterEach, describe, expect, it } from "vitest";
import { discover } from "../../lambda/handlers/discover.ts";
import { fetchOne } from "../../lambda/handlers/fetch-account.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { scaleWorld } from "../../local/simulator/scale-world.ts";
import { mostIn5Minutes } from "./calls-window.ts";
import { type Harness, startHarness } from "./harness.ts";
import { recount } from "./recount.ts";

/**
 * The first cycle of an estate whose chunks' first collections (each an hour of catch-up)
 * cost more GraphQL requests than a whole 5-minute budget: they begin as the budget has
 * room, after the chunks already in rotation, each paying its estimate up front; k counts
 * the waiting chunks at a first collection's cost, so they all begin within about k
 * minutes, and no zone's data age passes k minutes, the settling delay and the half minute
 * of the run; each zone counts from the first run's start however late its chunk begins,
 * and the figures equal ground truth. (Begun all at once, the first minute spent the whole
 * budget and nothing was collected for the next five.)
 */
const budget = 30;

describe("a large estate's first cycle under the GraphQL budget", () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it("begins every chunk within about k minutes, keeps every collected chunk's data age within k minutes plus the settling delay, and counts every zone from the start", async () => {
    // 60 zones, 45 with the dataset, in six chunks; 30 GraphQL requests per 5 minutes, and
    // a row limit that splits an hour of ten zones into many requests (a steady collection is one).
    harness = await startHarness({
      world: scaleWorld(1, 60, 100),
      env: { GRAPHQL_REQUESTS_PER_5_MINUTES: String(budget), QUERY_LIMIT: "20" },
    });
    const h = harness;
    const graphql: number[] = [];
    const counting: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.endsWith("/graphql")) graphql.push(h.clock.now());
      return fetch(input, init);
    };
    const runtime = () => h.runtime({ fetch: counting });
    const [account] = h.simulator.world.accounts;
    if (!account) throw new Error("the world has an account");
    const zones = h.simulator.world.zones.filter((zone) => zone.plan !== "free").map((zone) => zone.id);
    const ages: number[] = [];
    const counted: number[] = [];
    const ks: number[] = [];
    for (let minute = 0; minute < 24; minute++) {
      const scheduledTime = new Date(h.clock.now()).toISOString();
      const { accounts: items } = await discover(runtime(), { scheduledTime });
      ks.push(Math.max(1, ...items.map((item) => item.everyMinutes ?? 1)));
      for (const item of items) await fetchOne(runtime(), item);
      const shards = await readAccountShards(h.store, account.id);
      const now = h.clock.now() / 1000;
      ages.push(Math.max(...shards.map((s) => now - s.cursor)));
      counted.push(new Set(shards.map((s) => s.scopeId)).size);
      h.clock.set(Math.max(h.clock.now(), Date.parse(scheduledTime) + 60_000));
    }
    // k counts a waiting chunk at a first collection's cost (the row limit splits its hour
    // into several requests): 8 while most chunks wait, back to 2 (four chunks' requests a
    // minute do not fit 4.8 a minute) once all have begun.
    expect(ks).toEqual([2, 8, 8, 7, 7, 7, 7, 5, 4, 4, 4, 4, 4, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    // Zones counting after each minute: the chunks begin as the budget has room, after the
    // chunks in rotation, all 45 zones by minute 12 (by minute 18 when k was sized for the
    // rotation alone, which left the waiting chunks only what it did not spend).
    expect(counted).toEqual([
      17, 17, 23, 23, 23, 23, 30, 38, 38, 38, 38, 38, 45, 45, 45, 45, 45, 45, 45, 45, 45, 45, 45, 45,
    ]);
    // No counting zone trails more than the largest k, the 5-minute settling delay, less the
    // half minute of the run (750 s); once every chunk has begun, k = 2: 390 s.
    expect(ages).toEqual([
      330, 390, 450, 510, 570, 630, 690, 390, 390, 450, 510, 510, 450, 390, 390, 390, 390, 390, 390, 390, 390,
      390, 390, 390,
    ]);
    expect(Math.max(...ages)).toBeLessThanOrEqual(Math.max(...ks) * 60 + 300 - 30);
    // GraphQL requests each minute: a first collection is several; what minute 0 spent holds
    // the window until minute 5, and no minute spends the budget.
    const first = Date.UTC(2026, 10, 20, 12, 0, 30);
    const perMinute = Array.from(
      { length: 24 },
      (_, m) => graphql.filter((t) => Math.floor((t - first) / 60_000) === m).length,
    );
    expect(perMinute).toEqual([20, 0, 7, 0, 0, 0, 7, 10, 1, 0, 1, 3, 8, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
    expect(mostIn5Minutes(graphql)).toBe(27);
    // Every zone counts from the first run's start, however late its chunk began.
    const start = Date.UTC(2026, 10, 20, 10, 55) / 1000;
    const shards = await readAccountShards(h.store, account.id);
    expect(new Set(shards.map((s) => s.scopeId))).toEqual(new Set(zones));
    expect(new Set(shards.map((s) => s.start))).toEqual(new Set([start]));
    expect((await recount(h.simulator, h.store)).mismatches).toEqual([]);
  }, 600_000);
});
