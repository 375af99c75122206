import { afterEach, describe, expect, it } from "vitest";
import { httpRequests1m } from "../../lambda/catalogue/groups/http-requests-1m.ts";
import { countableEnd, isRefreshDue } from "../../lambda/collect/windows.ts";
import { discover } from "../../lambda/handlers/discover.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { expectExact } from "./exact.ts";
import { type Harness, startHarness } from "./harness.ts";

/** Settings that change what a run does, seen through the real fetcher, dynalite and the simulator. */
describe("window and refresh arithmetic", () => {
  it("counts up to the last whole step that has settled", () => {
    const now = Date.UTC(2026, 10, 21, 12, 7, 30) / 1000;
    expect(countableEnd(now, 300)).toBe(Date.UTC(2026, 10, 21, 12, 2) / 1000);
    expect(countableEnd(now, 300, 300)).toBe(Date.UTC(2026, 10, 21, 12, 0) / 1000);
    expect(countableEnd(now, 600, 900)).toBe(Date.UTC(2026, 10, 21, 11, 45) / 1000);
  });

  it("collects on the ticks that fall on multiples of the refresh interval", () => {
    const at = (minute: number) => Date.UTC(2026, 10, 21, 12, minute, 2) / 1000;
    expect([0, 1, 2, 3, 4, 5].map((m) => isRefreshDue(at(m), 60))).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect([0, 1, 2, 3, 4, 5].map((m) => isRefreshDue(at(m), 300))).toEqual([
      true,
      false,
      false,
      false,
      false,
      true,
    ]);
  });
});

describe("settings in collection", () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it("TIME_WINDOW_SECONDS: cursors move by whole windows and the counts stay exact", async () => {
    harness = await startHarness({ env: { TIME_WINDOW_SECONDS: "300" } });
    const cursors: number[] = [];
    for (let run = 0; run < 12; run++) {
      await harness.runAll();
      const example = harness.simulator.world.zones.find((zone) => zone.name === "example.com");
      const account = harness.simulator.world.accounts.find((a) => a.id === example?.accountId);
      const shard = (await readAccountShards(harness.store, account?.id ?? "")).find(
        (s) => s.scopeId === example?.id,
      );
      cursors.push(shard?.cursor ?? 0);
      harness.clock.advance(60_000);
    }
    for (const cursor of cursors) expect(cursor % 300).toBe(0);
    // Twelve one-minute runs cross two 5-minute boundaries: the cursor moved twice.
    expect(new Set(cursors).size).toBe(3);
    const zone = harness.simulator.world.zones.find((z) => z.name === "example.com");
    const account = harness.simulator.world.accounts.find((a) => a.id === zone?.accountId);
    const shard = (await readAccountShards(harness.store, account?.id ?? "")).find(
      (s) => s.scopeId === zone?.id,
    );
    if (!zone || !account || !shard) throw new Error("example.com was not counted");
    expectExact(harness.simulator, await harness.counters(account.id), zone, [[shard.start, shard.cursor]]);
  });

  it("CF_FREE_TIER_ACCOUNTS: the listed account's zones are not queried; the others are", async () => {
    harness = await startHarness();
    const [listed, other] = harness.simulator.world.accounts;
    if (!listed || !other) throw new Error("the default world has two accounts");
    const summaries = await harness.runAll({ env: { CF_FREE_TIER_ACCOUNTS: listed.id } });
    expect(summaries.find((s) => s.accountId === listed.id)).toMatchObject({
      zonesCollected: 0,
      errors: [],
    });
    expect(await readAccountShards(harness.store, listed.id)).toEqual([]);
    // The other account's paid zone is counted as always (its free zone lacks the dataset).
    const paid = harness.simulator.world.zones.find((z) => z.name === "sideproject.dev");
    expect((await readAccountShards(harness.store, other.id)).map((shard) => shard.scopeId)).toEqual([
      paid?.id,
    ]);
    expect(summaries.find((s) => s.accountId === other.id)?.errors).toEqual([]);
  });

  it("QUERY_GROUPS: only the named groups run; empty runs them all", async () => {
    harness = await startHarness();
    const other = { ...httpRequests1m, name: "another-group" };
    const named = harness.runtime({
      env: { QUERY_GROUPS: "http-requests-1m" },
      groups: [httpRequests1m, other],
    });
    expect(named.groups.map((group) => group.name)).toEqual(["http-requests-1m"]);
    const all = harness.runtime({ groups: [httpRequests1m, other] });
    expect(all.groups.map((group) => group.name)).toEqual(["http-requests-1m", "another-group"]);
  });

  it("METRIC_REFRESH_INTERVAL_SECONDS: discover returns no accounts between refresh ticks", async () => {
    harness = await startHarness();
    const deps = harness.runtime({
      env: { METRIC_REFRESH_INTERVAL_SECONDS: "300", HEALTH_MAX_AGE_SECONDS: "1200" },
    });
    const onTick = await discover(deps, { scheduledTime: "2026-11-21T12:05:00Z" });
    expect(onTick.accounts.map((a) => a.accountName)).toEqual(
      harness.simulator.world.accounts.map((a) => a.name),
    );
    expect(await discover(deps, { scheduledTime: "2026-11-21T12:06:00Z" })).toEqual({
      accounts: [],
      // The Map reads its concurrency from every execution's input, an empty one included.
      maxConcurrency: 1,
      skipped: "not a refresh tick (every 300 s)",
    });
  });
});
