/**
 * What one fetcher cycle costs for a number of Business zones with every query group and
 * REST snapshot, against the simulator and a DynamoDB (dynalite), each in a process of its own, with
 * a virtual clock: Cloudflare requests, DynamoDB items and write units (as dynalite
 * reports `ConsumedCapacity`: the larger of the item before and after, per started KB),
 * read units (computed from the items each read returned: per started 4 KB, halved for
 * eventually consistent reads), the series that changed in a steady minute and the bytes
 * written for them, and the fetcher's time. Nothing here is asserted.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { fetchAccount } from "../lambda/collect/fetch-account.ts";
import { createRuntime } from "../lambda/collect/runtime.ts";
import { loadConfig } from "../lambda/config/config.ts";
import { discover } from "../lambda/handlers/discover.ts";
import { jsonLogger } from "../lambda/lib/log.ts";
import { readAccountShards, type Shard } from "../lambda/store/shards.ts";
import { createStore, createTable, type Store } from "../lambda/store/table.ts";
import { VirtualClock } from "../local/simulator/clock.ts";
import { readUnits } from "./units.ts";

export { itemBytes, readUnits } from "./units.ts";

/** The simulator in another process (bench/simulator-process.ts), its clock kept to `clock`. */
async function startSimulatorProcess(zoneCount: number, clock: VirtualClock) {
  const child = spawn(
    process.execPath,
    [new URL("./simulator-process.ts", import.meta.url).pathname, String(zoneCount), String(clock.now())],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const [line] = (await once(child.stdout ?? child, "data")) as [Buffer];
  const started = JSON.parse(line.toString()) as { baseUrl: string; account: { id: string; name: string } };
  return {
    ...started,
    async syncClock() {
      const response = await fetch(`${started.baseUrl.replace(/\/client\/v4$/, "")}/__simulator/clock`, {
        method: "POST",
        body: JSON.stringify({ set: new Date(clock.now()).toISOString() }),
      });
      if (!response.ok) throw new Error(`simulator clock: ${response.status}`);
    },
    async close() {
      child.stdin?.end();
      await once(child, "exit");
    },
  };
}

interface Counted {
  items: number;
  units: number;
  readUnits: number;
  seriesBytes: number;
}

/** Counts every DynamoDB write (items, units, bytes of series state) and every read's units. */
export function countingStore(store: Store, counted: Counted): Store {
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const name = command.constructor.name;
    const isWrite = /^(Put|Update|Delete)Command$/.test(name);
    if (isWrite) command.input.ReturnConsumedCapacity = "TOTAL";
    const response = (await store.client.send(command as never)) as {
      ConsumedCapacity?: { CapacityUnits?: number };
      Items?: Record<string, unknown>[];
      Item?: Record<string, unknown>;
      Responses?: Record<string, Record<string, unknown>[]>;
    };
    if (isWrite) {
      counted.items += 1;
      counted.units += response.ConsumedCapacity?.CapacityUnits ?? 0;
      const item = command.input.Item as { sk?: string; data?: Uint8Array } | undefined;
      if (item?.sk?.startsWith("SERIES#") && item.data) counted.seriesBytes += item.data.byteLength;
    }
    const consistent = command.input.ConsistentRead === true;
    if (name === "QueryCommand") counted.readUnits += readUnits(response.Items ?? [], consistent, true);
    if (name === "GetCommand")
      counted.readUnits += readUnits(response.Item ? [response.Item] : [], consistent, false);
    if (name === "BatchGetCommand")
      counted.readUnits += readUnits(Object.values(response.Responses ?? {}).flat(), consistent, false);
    return response;
  };
  return { ...store, client: { send } as unknown as DynamoDBDocumentClient };
}

function changedSeries(
  before: readonly Shard[],
  after: readonly Shard[],
): { changed: number; total: number } {
  const was = new Map<string, string>();
  for (const shard of before)
    for (const [key, state] of Object.entries(shard.series))
      was.set(`${shard.group}|${key}`, JSON.stringify(state));
  let changed = 0;
  let total = 0;
  for (const shard of after)
    for (const [key, state] of Object.entries(shard.series)) {
      total++;
      if (was.get(`${shard.group}|${key}`) !== JSON.stringify(state)) changed++;
    }
  return { changed, total };
}

export interface CollectMeasure {
  zoneCount: number;
  first: Record<string, number>;
  /** The median steady minute of a warm container (it holds the slices it wrote). */
  steady: Record<string, number>;
  /** One steady minute of a cold container (it reads every slice). */
  cold: Record<string, number>;
  tableName: string;
  accountCacheKeyEnv: Record<string, string>;
}

/**
 * Cloudflare's HTTP client, counting rounds: a request that starts while none is in flight
 * begins a round, so requests sent together count once (their waits overlap). A run's
 * time waiting on Cloudflare is about its rounds × a request's latency.
 */
export function roundCountingFetch(): { fetch: typeof fetch; rounds: { count: number } } {
  const rounds = { count: 0 };
  let inFlight = 0;
  const counting = async (...args: Parameters<typeof fetch>) => {
    if (inFlight === 0) rounds.count += 1;
    inFlight += 1;
    try {
      return await fetch(...args);
    } finally {
      inFlight -= 1;
    }
  };
  return { fetch: counting as typeof fetch, rounds };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * One first cycle (discovery, one-hour catch-up), `steadyCycles` one-minute cycles in the
 * same (warm) container, and one more minute in a cold one.
 */
export async function measureCollect(
  zoneCount: number,
  endpoint: string,
  options: {
    steadyCycles?: number;
    compare?: boolean;
    /** Called around each run of the fetcher (bench/profile-collect.ts profiles the steady ones). */
    around?: <T>(cycle: "first" | "steady" | "cold", run: () => Promise<T>) => Promise<T>;
  } = {},
): Promise<CollectMeasure> {
  const { steadyCycles = 5, compare = true, around = (_cycle, run) => run() } = options;
  const clock = new VirtualClock(Date.UTC(2026, 10, 20, 12, 0, 30));
  const simulator = await startSimulatorProcess(zoneCount, clock);
  const tableName = `bench-${zoneCount}`;
  const base = createStore(tableName, { endpoint });
  await createTable(base);
  // dynalite answers CreateTable before the table is ACTIVE; wait for it.
  const { DescribeTableCommand } = await import("@aws-sdk/client-dynamodb");
  for (let i = 0; i < 100; i++) {
    const { Table } = await base.client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const counted: Counted = { items: 0, units: 0, readUnits: 0, seriesBytes: 0 };
  const env = { CLOUDFLARE_API_BASE_URL: simulator.baseUrl };
  const config = loadConfig(env);
  const account = simulator.account;
  // One container's store for the whole run (a warm Lambda keeps its client, and with it
  // the slices it wrote: lambda/store/slice-cache.ts); a cold container's is new.
  const warm = countingStore(base, counted);
  let store = warm;
  const cloudflare = roundCountingFetch();
  const deps = () =>
    createRuntime({
      config,
      token: "sim-token",
      store,
      fetch: cloudflare.fetch,
      clock: () => clock.now(),
      logger: jsonLogger({}, () => {}),
      sleep: async (ms) => {
        clock.advance(ms);
        await simulator.syncClock();
      },
    });
  const cycle = async (kind: "first" | "steady" | "cold") => {
    await simulator.syncClock();
    Object.assign(counted, { items: 0, units: 0, readUnits: 0, seriesBytes: 0 });
    const discoverStarted = performance.now();
    await discover(deps(), { scheduledTime: new Date(clock.now()).toISOString() });
    const discoverMs = performance.now() - discoverStarted;
    const before = compare ? await readAccountShards(base, account.id) : [];
    Object.assign(counted, { items: 0, units: 0, readUnits: 0, seriesBytes: 0 });
    cloudflare.rounds.count = 0;
    const { summary, cpu, ms } = await around(kind, async () => {
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const summary = await fetchAccount(deps(), { id: account.id, name: account.name });
      return { summary, cpu: process.cpuUsage(cpuBefore), ms: performance.now() - started };
    });
    if (summary.errors.length > 0) throw new Error(JSON.stringify(summary.errors));
    const { changed, total } = compare
      ? changedSeries(before, await readAccountShards(base, account.id))
      : { changed: 0, total: summary.seriesWritten };
    return {
      graphqlRequests: summary.graphqlRequests,
      restRequests: summary.restRequests,
      // Rounds of Cloudflare requests in flight together (GraphQL and REST): the run's waits.
      requestRounds: cloudflare.rounds.count,
      items: counted.items,
      units: counted.units,
      readUnits: counted.readUnits,
      seriesBytes: counted.seriesBytes,
      series: total,
      changed,
      ms,
      // CPU of this process during the run: the fetcher alone (the simulator and DynamoDB run elsewhere).
      cpuMs: (cpu.user + cpu.system) / 1000,
      discoverMs,
    };
  };
  const first = await cycle("first");
  const steady: Awaited<ReturnType<typeof cycle>>[] = [];
  for (let i = 0; i < steadyCycles; i++) {
    clock.advance(60_000);
    steady.push(await cycle("steady"));
  }
  // One more minute in a cold container: it reads and decodes every slice it writes.
  clock.advance(60_000);
  store = countingStore(base, counted);
  const cold = await cycle("cold");
  await simulator.close();
  const keys = Object.keys(first) as (keyof typeof first)[];
  return {
    zoneCount,
    first,
    steady: Object.fromEntries(keys.map((key) => [key, median(steady.map((s) => s[key]))])),
    cold,
    tableName,
    accountCacheKeyEnv: env,
  };
}
