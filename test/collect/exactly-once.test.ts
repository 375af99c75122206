import { afterEach, describe, expect, it } from "vitest";
import { fetchAccount } from "../../lambda/collect/fetch-account.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { expectExact } from "./exact.ts";
import { type Harness, start, startHarness } from "./harness.ts";

const minutes = (n: number) => n * 60_000;
const paidZones = ["example.com", "example-shop.com", "example-blog.net", "sideproject.dev"];

/** The counted range of each zone: [start, cursor) of its http-requests-1m shard. */
async function ranges(harness: Harness) {
  const out = new Map<string, { accountId: string; from: number; to: number; lost: number }>();
  for (const account of harness.simulator.world.accounts) {
    for (const shard of await readAccountShards(harness.store, account.id)) {
      out.set(shard.scopeId, {
        accountId: account.id,
        from: shard.start,
        to: shard.cursor,
        lost: shard.lostMinutes,
      });
    }
  }
  return out;
}

async function expectAllExact(harness: Harness): Promise<number> {
  const counted = await ranges(harness);
  let checked = 0;
  for (const name of paidZones) {
    const zone = harness.simulator.world.zones.find((z) => z.name === name);
    const range = zone && counted.get(zone.id);
    if (!zone || !range) throw new Error(`${name} was never counted`);
    checked += expectExact(harness.simulator, await harness.counters(range.accountId), zone, [
      [range.from, range.to],
    ]);
  }
  return checked;
}

describe("exactly-once counting", () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it("equals the settled ground truth after three simulated hours of runs", async () => {
    harness = await startHarness();
    for (let run = 0; run < 180; run++) {
      const summaries = await harness.runAll();
      for (const summary of summaries) expect(summary.errors).toEqual([]);
      harness.clock.advance(minutes(1));
    }
    const counted = await ranges(harness);
    const now = harness.clock.now() / 1000;
    // First sight counts from an hour back (INITIAL_LOOKBACK_SECONDS), and counting trails
    // now by the 5-minute settling delay.
    for (const name of paidZones) {
      const zone = harness.simulator.world.zones.find((z) => z.name === name);
      expect(counted.get(zone?.id ?? "")).toMatchObject({
        from: start / 1000 - 30 - 300 - 3_600,
        to: now - 60 - 30 - 300,
      });
    }
    // Free zones lack the dataset and are not queried for it.
    expect(counted.size).toBe(paidZones.length);
    expect(await expectAllExact(harness)).toBeGreaterThan(4 * 8);
  });

  it("counts nothing twice when the same run is repeated or two runs race", async () => {
    harness = await startHarness();
    await harness.runAll();
    harness.clock.advance(minutes(7));
    // The same scheduled run delivered three times, two of them racing without the lease.
    await harness.runAll();
    await Promise.all([harness.runAll({ withoutLease: true }), harness.runAll({ withoutLease: true })]);
    // And two leased runs at once: one works, the other stands aside.
    harness.clock.advance(minutes(2));
    const account = harness.simulator.world.accounts[0];
    if (!account) throw new Error("no account");
    const [a, b] = await Promise.all([
      fetchAccount(harness.runtime(), { id: account.id, name: account.name }),
      fetchAccount(harness.runtime(), { id: account.id, name: account.name }),
    ]);
    expect([a.skipped, b.skipped].filter(Boolean)).toEqual(["lease held by another run"]);
    await expectAllExact(harness);
  });
});
