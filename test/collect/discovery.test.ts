import { afterEach, describe, expect, it } from "vitest";
import { discoverAccounts } from "../../lambda/collect/discovery.ts";
import { fetchAccount } from "../../lambda/collect/fetch-account.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { expectExact } from "./exact.ts";
import { type Harness, startHarness } from "./harness.ts";

const minutes = (n: number) => n * 60_000;

describe("discovery, tokens and budgets", () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it("needs CF_ACCOUNTS for an account-owned token, and lists accounts with a user token", async () => {
    harness = await startHarness();
    await expect(discoverAccounts(harness.runtime({ token: "sim-account-token" }))).rejects.toThrow(
      "this API token is owned by an account and cannot list accounts: set CF_ACCOUNTS to the account ID(s)",
    );
    const corp = harness.simulator.world.accounts[0];
    const scoped = harness.runtime({ token: "sim-account-token", env: { CF_ACCOUNTS: corp?.id ?? "" } });
    expect(await discoverAccounts(scoped)).toEqual([{ id: corp?.id, name: "Example Corp" }]);
    const names = (await discoverAccounts(harness.runtime())).map((a) => a.name);
    expect(names).toEqual(["Example Corp", "Side Project"]);
  });

  it("collects only the zones CF_ZONES allows", async () => {
    harness = await startHarness();
    const shop = harness.simulator.world.zones.find((z) => z.name === "example-shop.com");
    const account = harness.simulator.world.accounts[0];
    if (!shop || !account) throw new Error("default world changed");
    const summary = await fetchAccount(harness.runtime({ env: { CF_ZONES: shop.id } }), {
      id: account.id,
      name: account.name,
    });
    expect(summary).toMatchObject({ zonesCollected: 1, zonesWithoutDataset: 0, errors: [] });
    expect((await readAccountShards(harness.store, account.id)).map((s) => s.scopeId)).toEqual([shop.id]);
  });

  it("stops on a rejected token without moving a cursor", async () => {
    harness = await startHarness();
    await harness.runAll();
    const account = harness.simulator.world.accounts[0];
    if (!account) throw new Error("no account");
    const before = await readAccountShards(harness.store, account.id);
    harness.clock.advance(minutes(60)); // past the zone-list cache, so discovery calls Cloudflare
    const summary = await fetchAccount(harness.runtime({ token: "sim-expired-token" }), {
      id: account.id,
      name: account.name,
    });
    expect(summary.errors.map((e) => e.kind)).toEqual(["unauthorized"]);
    expect(await readAccountShards(harness.store, account.id)).toEqual(before);
  });

  it("holds every fetcher off after Cloudflare's budget error, then catches up exactly", async () => {
    harness = await startHarness();
    await harness.runAll();
    const account = harness.simulator.world.accounts[0];
    if (!account) throw new Error("no account");
    harness.clock.advance(minutes(1));
    harness.simulator.faults.add({ kind: "budget", api: "graphql", times: 1 });
    const spent = await fetchAccount(harness.runtime(), { id: account.id, name: account.name });
    expect(spent.errors).toEqual([
      expect.objectContaining({
        kind: "rateLimited",
        code: "budget",
        message: "rate limiter budget depleted, try again after 5 minutes",
      }),
    ]);
    harness.clock.advance(minutes(1));
    const requestsBefore = harness.simulator.requests.graphql;
    const [held, other] = await harness.runAll();
    expect(held?.skipped).toMatch(/^GraphQL budget spent until /);
    expect(other?.skipped).toMatch(/^GraphQL budget spent until /);
    expect(harness.simulator.requests.graphql).toBe(requestsBefore);
    harness.clock.advance(minutes(5));
    const resumed = await harness.runAll();
    expect(resumed.flatMap((s) => s.errors)).toEqual([]);
    const counters = await harness.counters(account.id);
    for (const shard of await readAccountShards(harness.store, account.id)) {
      const zone = harness.simulator.world.zones.find((z) => z.id === shard.scopeId);
      if (!zone) throw new Error("unknown zone");
      expectExact(harness.simulator, counters, zone, [[shard.start, shard.cursor]]);
    }
  });
});
