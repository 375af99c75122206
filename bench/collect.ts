/**
 * What one fetcher cycle costs for a number of Business zones with every query group and
 * REST snapshot, against the simulator and a DynamoDB (dynalite) in another process, with
 * a virtual clock: Cloudflare requests, DynamoDB items and write units (as dynalite
 * reports `ConsumedCapacity`: the larger of the item before and after, per started KB),
 * read units (computed from the items each read returned: per started 4 KB, halved for
 * eventually consistent reads), the series that changed in a steady minute and the bytes
 * written for them, and the fetcher's time. Nothing here is asserted.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { fetchAccount } from "../lambda/collect/fetch-account.ts";
import { createRuntime } from "../lambda/collect/runtime.ts";
import { loadConfig } from "../lambda/config/config.ts";
import { discover } from "../lambda/handlers/discover.ts";
import { jsonLogger } from "../lambda/lib/log.ts";
import { readAccountShards, type Shard } from "../lambda/store/shards.ts";
import { createStore, createTable, type Store } from "../lambda/store/table.ts";
import { VirtualClock } from "../local/simulator/clock.ts";
import { startSimulator } from "../local/simulator/server.ts";

interface Counted {
  items: number;
  units: number;
  readUnits: number;
  seriesBytes: number;
}

/** DynamoDB's item size: attribute names plus values (numbers about one byte per two digits). */
export function itemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += name.length;
    if (typeof value === "string") bytes += Buffer.byteLength(value);
    else if (typeof value === "number") bytes += Math.ceil(String(value).length / 2) + 1;
    else if (value instanceof Uint8Array) bytes += value.byteLength;
    else bytes += Buffer.byteLength(JSON.stringify(value ?? null));
  }
  return bytes;
}

/** Read units of a read that returned these items (Query: summed, then per 4 KB; Get: per item). */
export function readUnits(items: readonly Record<string, unknown>[], consistent: boolean, summed: boolean) {
  const per = consistent ? 1 : 0.5;
  if (summed)
    return Math.max(1, Math.ceil(items.reduce((sum, item) => sum + itemBytes(item), 0) / 4096)) * per;
  return items.reduce((sum, item) => sum + Math.max(1, Math.ceil(itemBytes(item) / 4096)) * per, 0);
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
  steady: Record<string, number>;
  tableName: string;
  accountCacheKeyEnv: Record<string, string>;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** One first cycle (discovery, one-hour catch-up) and `steadyCycles` one-minute cycles. */
export async function measureCollect(
  zoneCount: number,
  endpoint: string,
  options: { steadyCycles?: number; compare?: boolean } = {},
): Promise<CollectMeasure> {
  const { steadyCycles = 5, compare = true } = options;
  const clock = new VirtualClock(Date.UTC(2026, 10, 20, 12, 0, 30));
  const simulator = await startSimulator({
    clock,
    world: {
      accounts: [
        {
          name: "Bench",
          zones: Array.from({ length: zoneCount }, (_, i) => ({
            name: `zone${i}.example`,
            plan: "business" as const,
          })),
        },
      ],
      tokens: [{ value: "sim-token" }],
    },
  });
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
  const account = simulator.world.accounts[0];
  if (!account) throw new Error("no account");
  const deps = () =>
    createRuntime({
      config,
      token: "sim-token",
      store: countingStore(base, counted),
      clock: () => clock.now(),
      logger: jsonLogger({}, () => {}),
      sleep: async (ms) => clock.advance(ms),
    });
  const cycle = async () => {
    Object.assign(counted, { items: 0, units: 0, readUnits: 0, seriesBytes: 0 });
    const discoverStarted = performance.now();
    await discover(deps(), { scheduledTime: new Date(clock.now()).toISOString() });
    const discoverMs = performance.now() - discoverStarted;
    const before = compare ? await readAccountShards(base, account.id) : [];
    Object.assign(counted, { items: 0, units: 0, readUnits: 0, seriesBytes: 0 });
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const summary = await fetchAccount(deps(), { id: account.id, name: account.name });
    const cpu = process.cpuUsage(cpuBefore);
    const ms = performance.now() - started;
    if (summary.errors.length > 0) throw new Error(JSON.stringify(summary.errors));
    const { changed, total } = compare
      ? changedSeries(before, await readAccountShards(base, account.id))
      : { changed: 0, total: summary.seriesWritten };
    return {
      graphqlRequests: summary.graphqlRequests,
      restRequests: summary.restRequests,
      items: counted.items,
      units: counted.units,
      readUnits: counted.readUnits,
      seriesBytes: counted.seriesBytes,
      series: total,
      changed,
      ms,
      // CPU of this process during the run: the fetcher and the simulator answering it.
      cpuMs: (cpu.user + cpu.system) / 1000,
      discoverMs,
    };
  };
  const first = await cycle();
  const steady: Awaited<ReturnType<typeof cycle>>[] = [];
  for (let i = 0; i < steadyCycles; i++) {
    clock.advance(60_000);
    steady.push(await cycle());
  }
  await simulator.close();
  const keys = Object.keys(first) as (keyof typeof first)[];
  return {
    zoneCount,
    first,
    steady: Object.fromEntries(keys.map((key) => [key, median(steady.map((s) => s[key]))])),
    tableName,
    accountCacheKeyEnv: env,
  };
}
