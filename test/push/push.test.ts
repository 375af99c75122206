import { afterEach, describe, expect, it } from "vitest";
import { discoverAccounts } from "../../lambda/collect/discovery.ts";
import type { FetchDeps } from "../../lambda/collect/fetch-account.ts";
import { loadConfig } from "../../lambda/config/config.ts";
import { renderText } from "../../lambda/exposition/text.ts";
import { createPush } from "../../lambda/push/runtime.ts";
import { buildFamilies } from "../../lambda/serve/families.ts";
import { readState } from "../../lambda/serve/state.ts";
import { readJournal } from "../../lambda/store/push-journal.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { type Harness, startHarness } from "../collect/harness.ts";
import { promtoolCheckMetrics } from "../e2e/tools.ts";
import { type Receiver, startReceiver } from "./receiver.ts";

/**
 * The push path against real parts: collection from the simulator over HTTP, state in
 * dynalite, one virtual clock, and a receiver that decodes every request with a real
 * protobuf library. For every zone and counted minute m, the pushed requests counter at
 * m+60 minus its value at m must equal the simulator's settled value of minute m, across
 * receiver outages, a crash between a state write and the push, and outages longer than
 * the receiver's window (where the minutes that cannot be placed are folded and counted).
 */
const minute = 60_000;
const build = { version: "test", runtime: "node" };
const paidZones = ["example.com", "example-shop.com", "example-blog.net", "sideproject.dev"];
const requests = (zone: string) => `cloudflare_zone_requests_total{zone="${zone}"}`;

describe("remote write after each state write", () => {
  let harness: Harness;
  let receiver: Receiver;
  afterEach(async () => {
    await harness.close();
    await receiver.close();
  });

  const setUp = async (env: Record<string, string> = {}) => {
    receiver = await startReceiver();
    harness = await startHarness({
      env: {
        INITIAL_LOOKBACK_SECONDS: "1800",
        REMOTE_WRITE_URL: receiver.url,
        REMOTE_WRITE_AUTH: "none",
        ...env,
      },
    });
  };
  /** The run's dependencies with the push the Lambda handler wires, on the same store and clock. */
  const withPush = (deps: FetchDeps): FetchDeps => {
    const target = { url: new URL(receiver.url), auth: { kind: "none" as const }, timeoutMs: 5_000 };
    const { config, store, clock, logger } = deps;
    return { ...deps, push: createPush({ config, store, clock, logger, target, build }) };
  };
  const pushing = (overrides: Parameters<Harness["runtime"]>[0] = {}) => withPush(harness.runtime(overrides));
  const run = async (deps: FetchDeps = pushing()) => {
    const summaries = await Promise.all(
      harness.simulator.world.accounts.map(async (account) => {
        const { fetchAccount } = await import("../../lambda/collect/fetch-account.ts");
        return fetchAccount(deps, { id: account.id, name: account.name });
      }),
    );
    harness.clock.advance(minute);
    return summaries;
  };

  /** Each zone's counted range [start, cursor) from its stored shard. */
  const counted = async () => {
    const out = new Map<string, { zoneId: string; from: number; to: number }>();
    for (const account of harness.simulator.world.accounts)
      for (const shard of await readAccountShards(harness.store, account.id)) {
        const zone = harness.simulator.world.zones.find((z) => z.id === shard.scopeId);
        if (zone) out.set(zone.name, { zoneId: zone.id, from: shard.start, to: shard.cursor });
      }
    return out;
  };

  /** Minutes of a zone whose pushed increase differs from ground truth (empty when exact). */
  const wrongMinutes = async (skip: (m: number) => boolean = () => false) => {
    const wrong: string[] = [];
    let checked = 0;
    for (const [name, { zoneId, from, to }] of await counted()) {
      for (let m = from; m < to; m += 60) {
        if (skip(m)) continue;
        const at = (t: number) => receiver.valueAt(requests(name), t * 1000) ?? 0;
        const truth = harness.simulator.groundTruth({
          dataset: "httpRequests1mGroups",
          zoneTag: zoneId,
          field: "sum.requests",
          from: m,
          to: m + 60,
        });
        checked += 1;
        if (at(m + 60) - at(m) !== truth) wrong.push(`${name}@${m}: ${at(m + 60) - at(m)} != ${truth}`);
      }
    }
    return { wrong, checked };
  };

  it("gives every counted minute its exact increase, and each request at most the set number of samples", async () => {
    await setUp({ REMOTE_WRITE_MAX_SAMPLES_PER_REQUEST: "500" });
    for (let i = 0; i < 8; i++) for (const summary of await run()) expect(summary.errors).toEqual([]);
    const { wrong, checked } = await wrongMinutes();
    expect(wrong).toEqual([]);
    expect(checked).toBe(paidZones.length * (30 + 7));
    expect(Math.max(...receiver.requestSizes)).toBe(500);
    expect(receiver.backwards).toEqual([]);
    expect(receiver.conflicts).toEqual([]);
    expect(receiver.headers[0]).toMatchObject({
      "content-encoding": "snappy",
      "content-type": "application/x-protobuf",
      "x-prometheus-remote-write-version": "0.1.0",
    });
  });

  it("adds one DynamoDB write per account and run, and no Cloudflare request", async () => {
    await setUp();
    await discoverAccounts(harness.runtime()); // the account list, as the discover step caches it
    await run();
    const counting = (deps: FetchDeps) => {
      const writes: string[] = [];
      const reads: string[] = [];
      const client = deps.store.client;
      type Command = {
        constructor: { name: string };
        input: { Item?: { sk?: unknown }; Key?: { sk?: unknown } };
      };
      const send = ((command: Command) => {
        const name = command.constructor.name;
        if (/^(Put|Update|Delete|BatchWrite|TransactWrite)/.test(name))
          writes.push(`${name}:${String(command.input.Item?.sk ?? "")}`);
        else reads.push(`${name}:${String(command.input.Key?.sk ?? "")}`);
        return client.send(command as never);
      }) as unknown as typeof client.send;
      return {
        deps: { ...deps, store: { ...deps.store, client: { send } as unknown as typeof client } },
        writes,
        reads,
      };
    };
    const without = counting(harness.runtime());
    const quiet = await run(without.deps);
    const measured = counting(harness.runtime());
    const pushed = await run(withPush(measured.deps));
    const accounts = harness.simulator.world.accounts.length;
    expect(measured.writes.filter((w) => w.endsWith(":PUSH"))).toEqual(
      Array(accounts).fill("PutCommand:PUSH"),
    );
    expect(measured.writes.length).toBe(without.writes.length + accounts);
    const requestsOf = (summaries: typeof quiet) => summaries.map((s) => [s.graphqlRequests, s.restRequests]);
    expect(requestsOf(pushed)).toEqual(requestsOf(quiet));
    // Reads it adds: per account the journal and the account list (GetItem) and, for the
    // self-metrics, its own state and its own GraphQL blocks (a Query); the first account
    // instead reads every account's state for the exporter-wide ones (the list again, every
    // GraphQL block in one Query). A state read whole is two Queries of the account's
    // partition (all but the deltas) and one of each slice's deltas: the first account's
    // three zones and the second's one each have one slice, so the first account's run adds
    // (2 + 3) + (2 + 1) + 1 Queries and the second's (2 + 1) + 1.
    const added = [...measured.reads];
    for (const read of without.reads) added.splice(added.indexOf(read), 1);
    expect(accounts).toBe(2);
    expect(added.sort()).toEqual(
      [
        ...Array(accounts).fill("GetCommand:PUSH"),
        ...Array(accounts + 1).fill("GetCommand:ACCOUNTS"),
        ...Array(9 + 4).fill("QueryCommand:"),
      ].sort(),
    );
    console.log(
      `per account and run: ${without.writes.length / accounts} writes without the push, ${measured.writes.length / accounts} with it; push write units ${pushed.map((s) => s.push?.writeUnits).join(", ")}; reads added for ${accounts} accounts: ${added.length}`,
    );
  });

  it("loses nothing and doubles nothing while the receiver is down, and never holds back counting", async () => {
    await setUp();
    await run();
    receiver.mode = "down";
    const during = [];
    for (let i = 0; i < 5; i++) during.push(...(await run()));
    // Counting went on: every run advanced its zones while the push failed.
    expect(during.filter((s) => s.minutesCounted === 0).map((s) => s.accountName)).toEqual([]);
    expect(during.filter((s) => s.push && s.push.failedRequests !== 1)).toEqual([]);
    // What waits is, per zone, exactly the five minutes counted during the outage.
    for (const account of harness.simulator.world.accounts) {
      const pending = new Map(
        (await readJournal(harness.store, account.id)).pending.map(([key, points]) => [key, points] as const),
      );
      for (const [name, { to }] of await counted()) {
        if (!harness.simulator.world.zones.some((z) => z.name === name && z.accountId === account.id))
          continue;
        expect(pending.get(requests(name))?.map(([t]) => t / 1000)).toEqual(
          [4, 3, 2, 1, 0].map((k) => to - k * 60),
        );
      }
    }
    receiver.mode = "up";
    await run();
    await run();
    const { wrong, checked } = await wrongMinutes();
    expect(wrong).toEqual([]);
    expect(checked).toBe(paidZones.length * (30 + 7));
    expect(receiver.backwards).toEqual([]);
    expect(receiver.conflicts).toEqual([]);
    for (const account of harness.simulator.world.accounts) {
      const journal = await readJournal(harness.store, account.id);
      expect(journal.pending).toEqual([]);
    }
  });

  it("after a crash between a state write and the push, folds the missed minutes into one exact sample and counts them", async () => {
    await setUp();
    await run();
    await run();
    const before = await counted();
    // Two runs store state but never reach the push: what a kill between the two writes leaves.
    await run(harness.runtime());
    await run(harness.runtime());
    await run();
    await run();
    const gap = new Map([...before].map(([name, range]) => [name, range.to]));
    const { wrong } = await wrongMinutes((m) => [...gap.values()].some((to) => m >= to && m < to + 120));
    expect(wrong).toEqual([]);
    // The two missed minutes: the first is folded into the sample at the end of the second.
    for (const [name, { zoneId }] of await counted()) {
      const to = gap.get(name) ?? 0;
      const increase =
        (receiver.valueAt(requests(name), (to + 120) * 1000) ?? 0) -
        (receiver.valueAt(requests(name), to * 1000) ?? 0);
      expect(increase).toBe(
        harness.simulator.groundTruth({
          dataset: "httpRequests1mGroups",
          zoneTag: zoneId,
          field: "sum.requests",
          from: to,
          to: to + 120,
        }),
      );
    }
    const folded = await Promise.all(
      harness.simulator.world.accounts.map(
        async (a) => (await readJournal(harness.store, a.id)).totals.foldedMinutes,
      ),
    );
    // One minute per shard that missed two writes: one shard per paid zone.
    expect(folded.reduce((sum, f) => sum + (f.crash ?? 0), 0)).toBe(paidZones.length);
  });

  it("after an outage longer than the receiver's window, sends nothing older than it and keeps every total exact", async () => {
    await setUp({ REMOTE_WRITE_WINDOW_SECONDS: "600" });
    await run();
    const firstCursor = new Map([...(await counted())].map(([name, range]) => [name, range.to]));
    receiver.mode = "down";
    for (let i = 0; i < 15; i++) await run();
    receiver.mode = "up";
    const windowStart = harness.clock.now() - 600_000;
    await run();
    // Of the 16 minutes counted since the first run (c0 .. c0+16), the samples of the first
    // eleven (stamped c0+1 .. c0+11 minutes, all before the window's start at c0+11.5) could
    // no longer be placed; nothing between the first run's newest sample and the window was sent.
    for (const [name, c0] of firstCursor) {
      const stamps = [...(receiver.series.get(requests(name))?.keys() ?? [])];
      expect(
        stamps.filter((t) => t > c0 * 1000 && t < windowStart),
        name,
      ).toEqual([]);
      expect(stamps.filter((t) => t >= windowStart).length, name).toBe(5);
    }
    const { wrong } = await wrongMinutes((m) => m * 1000 < windowStart);
    expect(wrong).toEqual([]);
    // Totals stay exact: each zone's newest value equals ground truth over its whole counted range.
    for (const [name, { zoneId, from, to }] of await counted()) {
      expect(receiver.valueAt(requests(name), to * 1000), name).toBe(
        harness.simulator.groundTruth({
          dataset: "httpRequests1mGroups",
          zoneTag: zoneId,
          field: "sum.requests",
          from,
          to,
        }),
      );
    }
    // The self-metric counts exactly the minutes the receiver never got: for each account, the
    // minute stamps of its counted range (a zone's counter is stamped at each minute's end)
    // missing from what its zones' counters received.
    for (const account of harness.simulator.world.accounts) {
      const names = harness.simulator.world.zones
        .filter((z) => z.accountId === account.id)
        .map((z) => z.name);
      const missing = new Set<number>();
      for (const [name, { from, to }] of await counted()) {
        if (!names.includes(name)) continue;
        const got = new Set(receiver.series.get(requests(name))?.keys());
        for (let t = from; t <= to; t += 60) if (!got.has(t * 1000)) missing.add(t);
      }
      const journal = await readJournal(harness.store, account.id);
      // Plus one: the first run's last stamp, received for the requests counters, is also the
      // starting 0 of series first seen in the next minute, and those were folded.
      const c0 = Math.min(
        ...names.map((name) => firstCursor.get(name) ?? Number.NaN).filter(Number.isFinite),
      );
      expect(missing.has(c0)).toBe(false);
      expect(journal.totals.foldedMinutes, account.name).toEqual({ window: missing.size + 1 });
    }
  });

  it("drops a request the receiver refuses with a 4xx, counts it, sends it never again, and shows it on the scrape path", async () => {
    await setUp();
    await run();
    receiver.mode = "reject";
    const refused = await run();
    receiver.mode = "up";
    const after = await run();
    const rejected = refused.map((s) => s.push?.rejectedSamples ?? 0);
    expect(refused.map((s) => s.push?.pendingSamples)).toEqual(refused.map(() => 0));
    expect(after.map((s) => s.push?.failedRequests)).toEqual(after.map(() => 0));
    const config = loadConfig({ CLOUDFLARE_API_BASE_URL: harness.simulator.baseUrl });
    await discoverAccounts(harness.runtime()); // the account list the endpoint reads, as the discover step caches it
    const state = await readState(harness.store, config);
    const families = buildFamilies(state, config, { version: "t", runtime: "t" });
    for (const [index, account] of harness.simulator.world.accounts.entries()) {
      const journal = await readJournal(harness.store, account.id);
      expect(journal.totals.rejectedSamples).toBe(rejected[index]);
      const shown = families
        .find((f) => f.name === "cloudflare_exporter_remote_write_rejected_samples_total")
        ?.samples.find((sample) => sample.labels.some(([, value]) => value === account.name));
      expect(shown?.value).toBe(rejected[index]);
    }
    // The refused minute (the second run's) has no sample of its own: its increase shows in
    // the next minute's, so those two minutes together are exact, and every other minute alone.
    const ranges = await counted();
    const { wrong } = await wrongMinutes((m) => [...ranges.values()].some(({ to }) => m >= to - 120));
    expect(wrong).toEqual([]);
    for (const [name, { zoneId, to }] of ranges) {
      const at = (t: number) => receiver.valueAt(requests(name), t * 1000) ?? 0;
      expect(at(to) - at(to - 120), name).toBe(
        harness.simulator.groundTruth({
          dataset: "httpRequests1mGroups",
          zoneTag: zoneId,
          field: "sum.requests",
          from: to - 120,
          to,
        }),
      );
    }
    // The push's own families pass promtool's checks in the scrape output.
    const text = renderText(families.filter((f) => f.name.startsWith("cloudflare_exporter_remote_write")));
    expect(await promtoolCheckMetrics(text)).toEqual({ code: 0, output: "" });
  });
});
