import { httpRequests1m } from "../../lambda/catalogue/groups/http-requests-1m.ts";
import type { AnyQueryGroup } from "../../lambda/catalogue/query-group.ts";
import type { SnapshotGroup } from "../../lambda/catalogue/snapshot-group.ts";
import { type FetchDeps, fetchAccount } from "../../lambda/collect/fetch-account.ts";
import { createRuntime } from "../../lambda/collect/runtime.ts";
import { loadConfig } from "../../lambda/config/config.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { createStore, createTable, type Store } from "../../lambda/store/table.ts";
import { type EmbeddedDynamo, startDynalite } from "../../local/dynalite.ts";
import { VirtualClock } from "../../local/simulator/clock.ts";
import { type Simulator, type SimulatorOptions, startSimulator } from "../../local/simulator/server.ts";
import type { WorldSpec } from "../../local/simulator/world.ts";

/** 2026-11-20 12:00:30 UTC: half a minute past, as a scheduled run would see it. */
export const start = Date.UTC(2026, 10, 20, 12, 0, 30);

let tables = 0;

/**
 * The collection core against real parts: the simulator over HTTP on loopback, dynalite
 * for DynamoDB, one virtual clock for both.
 */
export interface Harness {
  clock: VirtualClock;
  simulator: Simulator;
  store: Store;
  dynamo: EmbeddedDynamo;
  runtime(overrides?: {
    env?: Record<string, string>;
    groups?: readonly AnyQueryGroup[];
    snapshots?: readonly SnapshotGroup[];
    withoutLease?: boolean;
    token?: string;
    /** The HTTP client to Cloudflare (a counting one, say); absent: the global fetch. */
    fetch?: typeof fetch;
    /** The table as this run sees it (a recording one, say); absent: the harness's. */
    store?: Store;
  }): FetchDeps;
  /** One fetcher run for every account, as the state machine's Map would start them. */
  runAll(overrides?: Parameters<Harness["runtime"]>[0]): Promise<Awaited<ReturnType<typeof fetchAccount>>[]>;
  counters(accountId: string): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/**
 * HOST_METRICS_ALLOWLIST as the catalogue's tests and the soak deploy it: a host of a free
 * zone, of the enterprise zone and of a pro zone, so the per-hostname groups run there too.
 */
export const hostMetricsEnv = { HOST_METRICS_ALLOWLIST: "example.org,www.example.com,api.example-blog.net" };

export async function startHarness(
  options: { world?: WorldSpec; env?: Record<string, string>; simulator?: SimulatorOptions } = {},
): Promise<Harness> {
  const clock = new VirtualClock(start);
  const simulator = await startSimulator({
    clock,
    ...(options.world ? { world: options.world } : {}),
    ...options.simulator,
  });
  const dynamo = await startDynalite();
  const store = createStore(`state-${++tables}`, { endpoint: dynamo.endpoint });
  await createTable(store);
  const runtime: Harness["runtime"] = (overrides = {}) => {
    const config = loadConfig({
      CLOUDFLARE_API_BASE_URL: simulator.baseUrl,
      ...options.env,
      ...overrides.env,
    });
    const deps = createRuntime({
      config,
      token: overrides.token ?? "sim-token",
      store: overrides.store ?? store,
      clock: () => clock.now(),
      logger: memoryLogger(),
      // Waiting moves the virtual clock: retries and rate-limit waits cost no real time.
      sleep: async (ms) => clock.advance(ms),
      random: () => 0.5,
      // The core's tests run the group their ground truth covers; the catalogue's tests and
      // the soak run every group.
      groups: overrides.groups ?? [httpRequests1m],
      snapshots: overrides.snapshots ?? [],
      ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
    });
    return overrides.withoutLease ? { ...deps, withoutLease: true } : deps;
  };
  return {
    clock,
    simulator,
    store,
    dynamo,
    runtime,
    runAll: async (overrides) => {
      const deps = runtime(overrides);
      return Promise.all(
        simulator.world.accounts.map((account) => fetchAccount(deps, { id: account.id, name: account.name })),
      );
    },
    counters: async (accountId) => {
      const out = new Map<string, number>();
      for (const shard of await readAccountShards(store, accountId)) {
        for (const [key, state] of Object.entries(shard.series)) if (state.t !== "g") out.set(key, state.v);
      }
      return out;
    },
    close: async () => {
      await simulator.close();
      await dynamo.close();
    },
  };
}
