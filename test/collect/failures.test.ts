import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { httpRequests1m } from "../../lambda/catalogue/groups/http-requests-1m.ts";
import { requestMethods } from "../../lambda/catalogue/groups/request-methods.ts";
import { discoverZones } from "../../lambda/collect/discovery.ts";
import { fetchAccount } from "../../lambda/collect/fetch-account.ts";
import { oldestQueryable } from "../../lambda/collect/windows.ts";
import type { LogFields } from "../../lambda/lib/log.ts";
import { readDocument, writeDocument } from "../../lambda/store/items.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { keys, type Store } from "../../lambda/store/table.ts";
import { expectExact } from "./exact.ts";
import { type Harness, startHarness } from "./harness.ts";
import { recount } from "./recount.ts";

const minutes = (n: number) => n * 60_000;

async function shardsByZone(harness: Harness, accountId: string) {
  const out = new Map<string, { cursor: number; start: number; lost: number }[]>();
  for (const shard of await readAccountShards(harness.store, accountId)) {
    out.set(shard.scopeId, [
      ...(out.get(shard.scopeId) ?? []),
      { cursor: shard.cursor, start: shard.start, lost: shard.lostMinutes },
    ]);
  }
  return out;
}

async function expectZonesExact(harness: Harness, accountId: string, names?: readonly string[]) {
  const counters = await harness.counters(accountId);
  const shards = await shardsByZone(harness, accountId);
  const zones = harness.simulator.world.zones.filter(
    (z) => z.accountId === accountId && (!names || names.includes(z.name)),
  );
  for (const zone of zones) {
    const [shard] = shards.get(zone.id) ?? [];
    if (!shard) throw new Error(`${zone.name} was never counted`);
    expectExact(harness.simulator, counters, zone, [[shard.start, shard.cursor]]);
  }
}

/** A store whose shard writes fail after `allowed` of them: a fetcher killed mid-run. */
function crashingStore(store: Store, allowed: number): Store {
  let writes = 0;
  const send = (command: Parameters<DynamoDBDocumentClient["send"]>[0]) => {
    if (
      command instanceof PutCommand &&
      String(command.input.Item?.sk).startsWith(keys.seriesPrefix) &&
      writes++ >= allowed
    ) {
      return Promise.reject(new Error("fetcher killed"));
    }
    return store.client.send(command);
  };
  return { ...store, client: { send } as unknown as DynamoDBDocumentClient };
}

const manyZones = (count: number) => ({
  accounts: [
    {
      name: "Agency",
      zones: Array.from({ length: count }, (_, i) => ({ name: `client${i}.example`, plan: "pro" as const })),
    },
  ],
  tokens: [{ value: "sim-token" }],
});

describe("crashes, outages and failures", () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it("loses and doubles nothing when a fetcher dies between two writes and runs again", async () => {
    harness = await startHarness();
    const account = harness.simulator.world.accounts[0];
    if (!account) throw new Error("no account");
    // Four shards per zone, so the crash falls between the shards of one zone.
    const group = { ...httpRequests1m, shards: 4 };
    const info = { id: account.id, name: account.name };
    await fetchAccount(harness.runtime({ groups: [group] }), info);
    harness.clock.advance(minutes(10));

    const killed = harness.runtime({ groups: [group] });
    const summary = await fetchAccount({ ...killed, store: crashingStore(harness.store, 2) }, info);
    expect(summary.errors.map((e) => e.message)).toEqual(["fetcher killed"]);
    const halfDone = await shardsByZone(harness, account.id);
    const firstZone = [...halfDone.values()][0]?.map((shard) => shard.cursor);
    expect(new Set(firstZone).size).toBe(2); // two shards moved on, two did not

    const rerun = await fetchAccount(harness.runtime({ groups: [group] }), info);
    expect(rerun.errors).toEqual([]);
    for (const shards of (await shardsByZone(harness, account.id)).values()) {
      expect(new Set(shards.map((s) => s.cursor)).size).toBe(1);
    }
    await expectZonesExact(harness, account.id, ["example.com", "example-shop.com", "example-blog.net"]);
  });

  it("counts every minute of a three-hour outage in the first run after it", async () => {
    harness = await startHarness();
    await harness.runAll();
    const before = await shardsByZone(harness, harness.simulator.world.accounts[0]?.id ?? "");
    harness.clock.advance(minutes(180));
    const summaries = await harness.runAll();
    expect(summaries.flatMap((s) => s.errors)).toEqual([]);
    // Three paid zones in the first account, 180 minutes each, none lost.
    expect(summaries[0]).toMatchObject({ minutesCounted: 3 * 180, lostMinutes: 0 });
    const after = await shardsByZone(harness, harness.simulator.world.accounts[0]?.id ?? "");
    for (const [zone, [shard]] of after)
      expect(shard?.cursor).toBe((before.get(zone)?.[0]?.cursor ?? 0) + 180 * 60);
    for (const account of harness.simulator.world.accounts)
      await expectZonesExact(harness, account.id, [
        "example.com",
        "example-shop.com",
        "example-blog.net",
        "sideproject.dev",
      ]);
  });

  it("reports what an outage longer than the lookback lost and counts the rest", async () => {
    harness = await startHarness();
    await harness.runAll();
    const accountId = harness.simulator.world.accounts[0]?.id ?? "";
    const before = await shardsByZone(harness, accountId);
    harness.clock.advance(minutes(30 * 60));
    const deps = harness.runtime();
    const [summary] = await Promise.all(
      harness.simulator.world.accounts.slice(0, 1).map((a) => fetchAccount(deps, { id: a.id, name: a.name })),
    );
    // Pro keeps httpRequests1mGroups for one day: the oldest six hours of the outage are gone.
    const pro = harness.simulator.world.zones.find((z) => z.name === "example-blog.net");
    if (!pro) throw new Error("no pro zone");
    const resumed = oldestQueryable(harness.clock.now() / 1000, 86_400);
    const lostBefore = before.get(pro.id)?.[0]?.cursor ?? 0;
    const lost = (resumed - lostBefore) / 60;
    expect(lost).toBeGreaterThan(5 * 60);
    expect(summary?.lostMinutes).toBe(lost); // Business (3 days) and Enterprise (7 days) lost nothing
    const lines = (deps.logger as unknown as { lines: LogFields[] }).lines;
    expect(lines.filter((l) => l.level === "warn" && String(l.message).startsWith("minutes older"))).toEqual([
      expect.objectContaining({ zone: pro.id, lostMinutes: lost, query: "http-requests-1m" }),
    ]);
    const after = await shardsByZone(harness, accountId);
    expect(after.get(pro.id)?.[0]?.lost).toBe(lost);
    const counters = await harness.counters(accountId);
    const shard = after.get(pro.id)?.[0];
    expectExact(harness.simulator, counters, pro, [
      [shard?.start ?? 0, lostBefore],
      [resumed, shard?.cursor ?? 0],
    ]);
    await expectZonesExact(harness, accountId, ["example.com", "example-shop.com"]);
  });

  it("keeps a refused zone's cursor and advances the others (403 after a plan change)", async () => {
    harness = await startHarness();
    await harness.runAll();
    const account = harness.simulator.world.accounts[0];
    const free = harness.simulator.world.zones.find((z) => z.name === "example.org");
    if (!account || !free) throw new Error("default world changed");
    // The cached zone list still says the zone has the dataset (it was downgraded since).
    const cachedSchema = z.array(
      z.object({ id: z.string(), settings: z.record(z.string(), z.unknown()) }).loose(),
    );
    const cached = await readDocument(harness.store, keys.account(account.id), keys.zones, cachedSchema);
    const stale = cached?.value.map((zone) =>
      zone.id === free.id
        ? {
            ...zone,
            settings: {
              httpRequests1mGroups: {
                enabled: true,
                maxDuration: 86_400,
                notOlderThan: 86_400,
                maxPageSize: 10_000,
              },
            },
          }
        : zone,
    );
    await writeDocument(harness.store, keys.account(account.id), keys.zones, stale, cached?.fetchedAt ?? 0);
    const before = await shardsByZone(harness, account.id);
    harness.clock.advance(minutes(5));
    const summary = await fetchAccount(harness.runtime(), { id: account.id, name: account.name });
    // A refusal is how Cloudflare says "not for this zone": remembered, not an error.
    expect(summary.errors).toEqual([]);
    expect(summary.datasetsRefused).toBe(1);
    const after = await shardsByZone(harness, account.id);
    expect(after.has(free.id)).toBe(false);
    for (const [zone, [shard]] of before)
      expect(after.get(zone)?.[0]?.cursor).toBe((shard?.cursor ?? 0) + 300);
    await expectZonesExact(harness, account.id, ["example.com", "example-shop.com", "example-blog.net"]);
    // The next run leaves the refused zone alone: one request for the other three, no refusal.
    harness.clock.advance(minutes(1));
    const requests = harness.simulator.requests.graphql;
    const next = await fetchAccount(harness.runtime(), { id: account.id, name: account.name });
    expect(next).toMatchObject({ errors: [], datasetsRefused: 0 });
    expect(harness.simulator.requests.graphql - requests).toBe(1);
  });

  it("keeps the cursors of zones whose answer was malformed, and catches up on the next run", async () => {
    harness = await startHarness({ world: manyZones(12) });
    await harness.runAll();
    const accountId = harness.simulator.world.accounts[0]?.id ?? "";
    const before = await shardsByZone(harness, accountId);
    harness.clock.advance(minutes(5));
    // Every attempt at the first ten zones' query comes back cut off.
    harness.simulator.faults.add({ kind: "truncatedJson", api: "graphql", times: 3 });
    const [summary] = await harness.runAll();
    // One failure, one error entry, naming the ten zones it hit.
    expect(summary?.errors).toHaveLength(1);
    expect(summary?.errors[0]?.kind).toBe("transient");
    expect(summary?.errors[0]?.zone?.split(",")).toHaveLength(10);
    const after = await shardsByZone(harness, accountId);
    const ids = harness.simulator.world.zones.map((z) => z.id).sort();
    for (const [i, id] of ids.entries()) {
      const moved = (after.get(id)?.[0]?.cursor ?? 0) - (before.get(id)?.[0]?.cursor ?? 0);
      expect(moved, id).toBe(i < 10 ? 0 : 300);
    }
    harness.clock.advance(minutes(1));
    const [next] = await harness.runAll();
    expect(next?.errors).toEqual([]);
    await expectZonesExact(harness, accountId);
  });

  it("sends a catch-up that times out again part by part, then in halves, and counts it exactly", async () => {
    harness = await startHarness({
      env: { CLOUDFLARE_REQUEST_TIMEOUT_MS: "300", CLOUDFLARE_MAX_ATTEMPTS: "1" },
    });
    const account = harness.simulator.world.accounts[0];
    if (!account) throw new Error("default world changed");
    const groups = [httpRequests1m, requestMethods];
    // Zones and their settings are known already (discovery is not what this is about).
    await discoverZones(harness.runtime({ groups }), account, [
      ...new Set(groups.map((group) => group.dataset)),
    ]);
    // The first request (an hour of both groups for every zone) and the next one (the
    // first group alone) never answer; the first group's halves and the second group do.
    harness.simulator.faults.add({ kind: "timeout", api: "graphql", times: 2 });
    const summary = await fetchAccount(harness.runtime({ groups }), { id: account.id, name: account.name });
    expect(summary.errors).toEqual([]);
    // The hour of both groups is counted: the roll-up for the three paid zones, the
    // adaptive methods for all four.
    expect(summary.minutesCounted).toBe((3 + 4) * 60);
    await expectZonesExact(harness, account.id, ["example.com", "example-shop.com", "example-blog.net"]);
    expect((await recount(harness.simulator, harness.store, undefined, groups)).mismatches).toEqual([]);
  });

  it("queries 25 zones ten at a time, and splits results that reach the limit", async () => {
    harness = await startHarness({ world: manyZones(25), env: { QUERY_LIMIT: "7" } });
    const batches: number[] = [];
    const recording: typeof fetch = async (input, init) => {
      const body =
        typeof init?.body === "string"
          ? (JSON.parse(init.body) as { variables?: { p0Zones?: string[]; p0From?: string } })
          : {};
      if (body.variables?.p0Zones && body.variables.p0From) batches.push(body.variables.p0Zones.length);
      return fetch(input, init);
    };
    const deps = { ...harness.runtime() };
    const runtime = (await import("../../lambda/collect/runtime.ts")).createRuntime({
      config: deps.config,
      token: "sim-token",
      store: harness.store,
      clock: () => harness.clock.now(),
      logger: deps.logger,
      sleep: async (ms) => harness.clock.advance(ms),
      fetch: recording,
      groups: [httpRequests1m],
      snapshots: [],
    });
    const account = harness.simulator.world.accounts[0];
    if (!account) throw new Error("no account");
    const summary = await fetchAccount(runtime, { id: account.id, name: account.name });
    expect(summary.errors).toEqual([]);
    // 60 minutes per zone against a limit of 7 rows: each batch's answer is halved in time
    // (60 → 30 → 15 → 7 + 8 → 3 + 4 and 4 + 4 minutes) until it has fewer than 7 rows per
    // zone, 31 queries per batch, batch by batch: 10 zones, 10 zones, then 5.
    expect(batches).toEqual([...Array(31).fill(10), ...Array(31).fill(10), ...Array(31).fill(5)]);
    await expectZonesExact(harness, account.id);
  });
});
