import { afterEach, describe, expect, it } from "vitest";
import { parseSeriesKey, seriesKey } from "../../lambda/catalogue/series-key.ts";
import { snapshotGroups } from "../../lambda/catalogue/snapshots/index.ts";
import type { AccountInfo } from "../../lambda/cloudflare/schemas.ts";
import { discoverAccounts } from "../../lambda/collect/discovery.ts";
import type { FetchDeps, FetchSummary } from "../../lambda/collect/fetch-account.ts";
import { fetchAccount } from "../../lambda/collect/fetch-account.ts";
import type { ShardWrite } from "../../lambda/collect/run-types.ts";
import type { Family } from "../../lambda/exposition/model.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { pushAfterRun } from "../../lambda/push/push.ts";
import { createPush } from "../../lambda/push/runtime.ts";
import { exporterFamilies } from "../../lambda/serve/families.ts";
import { readState } from "../../lambda/serve/state.ts";
import { readJournal } from "../../lambda/store/push-journal.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { type Harness, startHarness } from "../collect/harness.ts";
import { type Receiver, startReceiver } from "./receiver.ts";

/**
 * What the push sends besides the counted minutes: the REST snapshots' gauges at the time
 * each snapshot was taken, and the exporter's own metrics as the scrape serves them. Real
 * parts as in push.test.ts: the simulator over HTTP, dynalite, a decoding receiver.
 */
const minute = 60_000;
const build = { version: "test", runtime: "node" };
const snapshotFamilies = new Set(snapshotGroups.flatMap((group) => group.families.map((f) => f.name)));

const keyed = (families: readonly Family[]) =>
  new Map(
    families.flatMap((family) =>
      family.samples.map((s) => [seriesKey(family.name, Object.fromEntries(s.labels)), s.value] as const),
    ),
  );

describe("the push's gauges and self-metrics", () => {
  let harness: Harness;
  let receiver: Receiver;
  afterEach(async () => {
    await harness.close();
    await receiver.close();
  });

  const setUp = async (env: Record<string, string> = {}) => {
    receiver = await startReceiver();
    harness = await startHarness({ env: { INITIAL_LOOKBACK_SECONDS: "600", ...env } });
  };
  const pushing = (): FetchDeps => {
    const deps = harness.runtime({ snapshots: snapshotGroups });
    const target = { url: new URL(receiver.url), auth: { kind: "none" as const }, timeoutMs: 5_000 };
    const { config, store, clock, logger } = deps;
    return { ...deps, push: createPush({ config, store, clock, logger, target, build }) };
  };
  const run = async (): Promise<FetchSummary[]> => {
    const deps = pushing();
    const summaries = await Promise.all(
      harness.simulator.world.accounts.map((a) => fetchAccount(deps, { id: a.id, name: a.name })),
    );
    harness.clock.advance(minute);
    return summaries;
  };
  /** Every stored snapshot series: key → [when the snapshot was taken (ms), value]. */
  const snapshots = async () => {
    const out = new Map<string, [number, number]>();
    for (const account of harness.simulator.world.accounts)
      for (const shard of await readAccountShards(harness.store, account.id))
        if (snapshotGroups.some((g) => g.name === shard.group))
          for (const [key, state] of Object.entries(shard.series))
            out.set(key, [shard.cursor * 1000, state.v]);
    return out;
  };

  it("sends each REST snapshot's gauges once, at the time it was taken, never backwards", async () => {
    await setUp({ SSL_CERTS_CACHE_TTL_SECONDS: "120" });
    for (const summary of await run()) expect(summary.errors).toEqual([]);
    const first = await snapshots();
    await run(); // within the refresh interval: no new snapshot, nothing new to send
    for (const summary of await run()) expect(summary.errors).toEqual([]);
    const second = await snapshots();
    // Certificates 22, load-balancer weights 8, tunnels 15, custom hostnames 14.
    expect(first.size).toBe(59);
    expect([...second.keys()].sort()).toEqual([...first.keys()].sort());
    for (const [key, [takenAt, value]] of second) {
      const [firstAt, firstValue] = first.get(key) ?? [0, 0];
      expect(takenAt - firstAt, key).toBe(2 * minute);
      expect([...(receiver.series.get(key) ?? [])], key).toEqual([
        [firstAt, firstValue],
        [takenAt, value],
      ]);
    }
    // Exactly the snapshot series the scrape serves, and nothing of theirs besides.
    const pushed = [...receiver.series.keys()].filter((k) =>
      snapshotFamilies.has(k.slice(0, k.indexOf("{"))),
    );
    expect(pushed.sort()).toEqual([...second.keys()].sort());
    expect(receiver.backwards).toEqual([]);
    expect(receiver.conflicts).toEqual([]);
  });

  it("leaves the self-metrics to the work item that collects the account's own datasets", async () => {
    await setUp();
    await discoverAccounts(harness.runtime());
    const deps = pushing();
    const zoneItems = await Promise.all(
      harness.simulator.world.accounts.map((a) =>
        fetchAccount(deps, { id: a.id, name: a.name }, { accountStages: false }),
      ),
    );
    const self = () =>
      [...receiver.series.keys()].filter((k) => /^cloudflare_(exporter_|zones|accounts)/.test(k));
    expect(zoneItems.map((s) => s.errors)).toEqual([[], []]);
    expect(receiver.series.has('cloudflare_zone_requests_total{zone="example.com"}')).toBe(true);
    expect(self()).toEqual([]);
    harness.clock.advance(minute);
    await Promise.all(
      harness.simulator.world.accounts.map((a) => fetchAccount(deps, { id: a.id, name: a.name })),
    );
    expect(self().length).toBe(101);
  });

  it("stores the journal and sends the data when the self-metrics cannot be read", async () => {
    await setUp();
    const deps = harness.runtime();
    const logger = memoryLogger();
    const target = { url: new URL(receiver.url), auth: { kind: "none" as const }, timeoutMs: 5_000 };
    const push = (account: AccountInfo, writes: readonly ShardWrite[]) =>
      pushAfterRun(
        {
          store: deps.store,
          clock: deps.clock,
          logger,
          target,
          maxSamplesPerRequest: 2000,
          windowSeconds: 3000,
          denylist: [],
          selfSamples: async () => {
            throw new Error("AccessDeniedException: dynamodb:Query");
          },
        },
        account,
        writes,
      );
    const summaries = await Promise.all(
      harness.simulator.world.accounts.map((a) =>
        fetchAccount({ ...deps, push }, { id: a.id, name: a.name }),
      ),
    );
    for (const [index, account] of harness.simulator.world.accounts.entries()) {
      const { totals, pending } = await readJournal(harness.store, account.id);
      expect(summaries[index]?.errors).toEqual([]);
      expect(summaries[index]?.push?.acceptedSamples).toBe(totals.acceptedSamples);
      expect(pending).toEqual([]);
    }
    const accepted = summaries.reduce((sum, s) => sum + (s.push?.acceptedSamples ?? 0), 0);
    expect([...receiver.series.values()].reduce((sum, points) => sum + points.size, 0)).toBe(accepted);
    expect(logger.lines.map((line) => line.message)).toEqual(
      summaries.map(() => "the exporter's own metrics could not be read; this push leaves them out"),
    );
  });

  it("sends the exporter's own metrics as the scrape serves them, each series from one account's run", async () => {
    await setUp();
    // The account list, as the discover step caches it; its first account pushes the exporter-wide series.
    const [first] = await discoverAccounts(harness.runtime());
    if (!first) throw new Error("no account");
    const runs: FetchSummary[][] = [];
    for (let i = 0; i < 3; i++) runs.push(await run());
    const config = pushing().config;
    const scrape = keyed(exporterFamilies(await readState(harness.store, config), config, build));
    const newest = (key: string) => {
      const points = [...(receiver.series.get(key) ?? [])].sort((a, b) => a[0] - b[0]);
      return points.at(-1);
    };
    // Every self-metric series the scrape serves was pushed, and no other.
    const selfPushed = [...receiver.series.keys()].filter((key) => [...scrape.keys()].includes(key));
    expect(selfPushed.sort()).toEqual([...scrape.keys()].sort());
    // 29 exporter-wide and push series, and 24 (account, zone, query) series in each of
    // collected_from, collected_until and lost_seconds.
    expect(scrape.size).toBe(101);
    // Pushed at each run's time, by one run a minute: exporter-wide series by the first account only.
    const runTimes = [0, 1, 2].map((i) => harness.clock.now() - (3 - i) * minute);
    expect([...(receiver.series.get("cloudflare_accounts") ?? [])]).toEqual(runTimes.map((t) => [t, 2]));
    // The self series each account's run pushes: its account's, and the exporter-wide ones for the first.
    const ownedBy = (key: string) =>
      parseSeriesKey(key).labels.find(([name]) => name === "account")?.[1] ?? first.name;
    for (const [index, account] of harness.simulator.world.accounts.entries()) {
      // The run's own counts are stored after its push: the newest pushed value is that of the runs before.
      const requests = newest(
        `cloudflare_exporter_cloudflare_requests_total{account="${account.name}",api="graphql"}`,
      );
      const before = runs.slice(0, 2).reduce((sum, r) => sum + (r[index]?.graphqlRequests ?? 0), 0);
      expect(requests).toEqual([runTimes[2], before]);
      // What the receiver had accepted when the self-metrics were read: everything but themselves.
      const accepted = newest(`cloudflare_exporter_remote_write_samples_total{account="${account.name}"}`);
      const selfOfLastRun = [...scrape.keys()].filter(
        (key) => ownedBy(key) === account.name && receiver.series.get(key)?.has(runTimes[2] ?? 0),
      ).length;
      const { totals } = await readJournal(harness.store, account.id);
      expect((accepted?.[1] ?? 0) + selfOfLastRun, account.name).toBe(totals.acceptedSamples);
    }
    // Gauges the push does not change since the run read them are equal to the scrape's.
    for (const [key, value] of scrape)
      if (/^cloudflare_(zones|accounts|exporter_up|exporter_collected_)/.test(key))
        expect(newest(key)?.[1], key).toBe(value);
    expect(receiver.backwards).toEqual([]);
    expect(receiver.conflicts).toEqual([]);
  });
});
