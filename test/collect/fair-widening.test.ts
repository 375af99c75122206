import { afterEach, describe, expect, it } from "vitest";
import { CloudflareApiError } from "../../lambda/cloudflare/errors.ts";
import type { FetchDeps } from "../../lambda/collect/fetch-account.ts";
import { fetchOne } from "../../lambda/handlers/fetch-account.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { scaleWorld } from "../../local/simulator/scale-world.ts";
import { type Harness, startHarness } from "./harness.ts";
import { recount } from "./recount.ts";

/**
 * Widened collection (each chunk every k minutes) under a budget that falls short in some
 * minutes: a chunk a run could not reach goes first in the next minute, so no chunk's data
 * age passes k minutes, the settling delay and the minute under way, and the figures stay
 * exact. (With a fixed turn per chunk, the chunk left out in the short minute was left
 * out at every one of its turns: test/collect/widening.test.ts shows the same on the pure
 * schedule.)
 */
const k = 3;

/** The run's GraphQL client, refusing every request after `allowed` as the spent budget does. */
function budgeted(deps: FetchDeps, allowed: number): FetchDeps {
  const query = deps.graphql.query.bind(deps.graphql);
  let made = 0;
  deps.graphql.query = (async (...args: Parameters<typeof query>) => {
    if (++made > allowed) {
      throw new CloudflareApiError(
        "rateLimited",
        "GraphQL request: this run's request budget is spent; the rest waits for the next run",
      );
    }
    return query(...args);
  }) as typeof query;
  return deps;
}

describe("fair widening", () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it("keeps every chunk's data age within k minutes plus the settling delay when some minutes fall short", async () => {
    // 60 zones, 45 of them with the dataset (the free ones lack it): six chunks, two a minute.
    harness = await startHarness({ world: scaleWorld(1, 60, 100) });
    const h = harness;
    const [account] = h.simulator.world.accounts;
    if (!account) throw new Error("the world has an account");
    const written: number[] = [];
    let dataAge = 0;
    for (let minute = 0; minute < 15; minute++) {
      const scheduledTime = new Date(h.clock.now()).toISOString();
      // One minute in three (the first excepted) affords one chunk's request instead of two.
      const allowed = minute > 0 && minute % k === 0 ? 1 : 100;
      const item = { accountId: account.id, accountName: account.name, scheduledTime, everyMinutes: k };
      const summary = await fetchOne(budgeted(h.runtime(), allowed), item);
      const now = h.clock.now() / 1000;
      const cursors = new Map<string, number>();
      for (const s of await readAccountShards(h.store, account.id)) cursors.set(s.scopeId, s.cursor);
      const oldest = Math.max(...[...cursors.values()].map((cursor) => now - cursor));
      if (minute >= k) dataAge = Math.max(dataAge, oldest);
      written.push(summary.shardsWritten);
      h.clock.set(Date.parse(scheduledTime) + 60_000);
    }
    // Shards written each minute: two chunks' zones, one chunk's in a short minute and three
    // chunks' the minute after (the one left out first), in the same rhythm to the end.
    expect(written).toEqual([17, 13, 15, 10, 20, 15, 10, 20, 15, 10, 20, 15, 10, 20, 15]);
    // k minutes, the 5-minute settling delay and the half minute of the run: 510 s at most.
    expect(dataAge).toBe(k * 60 + 300 + 30);
    expect((await recount(h.simulator, h.store)).mismatches).toEqual([]);
  }, 300_000);
});
