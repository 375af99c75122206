/**
 * `npm run bench -- --json`, the scale part: a thousand zones under one token, as one
 * account (`scale1x1000`) and as ten accounts of a hundred (`scale10x100`). The synthesized
 * state machine runs every minute against the simulator (per-request ceiling on, Cloudflare's
 * budgets enforced) and dynalite on one virtual clock, for SCALE_MINUTES simulated minutes
 * (30 by default). With `--json` the last line is one JSON object holding both results;
 * SCALE_ZONES (default 1000) shrinks the estate for a quick look. Nothing here is asserted.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { queryGroups } from "../lambda/catalogue/groups/index.ts";
import { snapshotGroups } from "../lambda/catalogue/snapshots/index.ts";
import { createRuntime } from "../lambda/collect/runtime.ts";
import { loadConfig } from "../lambda/config/config.ts";
import { discover } from "../lambda/handlers/discover.ts";
import { fetchOne } from "../lambda/handlers/fetch-account.ts";
import { jsonLogger } from "../lambda/lib/log.ts";
import { readAccountShards } from "../lambda/store/shards.ts";
import { createStore, createTable, type Store } from "../lambda/store/table.ts";
import { startDynalite } from "../local/dynalite.ts";
import { VirtualClock } from "../local/simulator/clock.ts";
import { scaleWorld } from "../local/simulator/scale-world.ts";
import { startSimulator } from "../local/simulator/server.ts";
import { runLocally, synthesizedDefinition } from "../local/state-machine.ts";
import { mostIn5Minutes } from "../test/collect/calls-window.ts";
import { recount } from "../test/collect/recount.ts";

export interface ScaleResult {
  accounts: number;
  zones: number;
  simulatedMinutes: number;
  queryCeiling: number;
  budgetAnswers: number;
  refusedForSize: number;
  refusedForSizeAfterFirstMinute: number;
  exact: boolean;
  mismatches: number;
  /** Zones with no minute series shard at the end: never counted, so the recount cannot vouch for them. */
  zonesNotCounted: number;
  maxDataAgeSeconds: number;
  longestItemSeconds: number;
  workItems: number;
  everyMinutes: number;
  graphqlPer5Minutes: number;
  restPer5Minutes: number;
  writeUnitsPerMinute: number;
  wallSeconds: number;
}

const queryCeiling = 60;
/** Peak requests a minute of every zone: an estate of small sites (SCALE_ZONE_RPM to change). */
const zoneRequestsPerMinute = Number(process.env.SCALE_ZONE_RPM ?? 100);

/** Counts DynamoDB write units as dynalite reports them, in all and by kind of item. */
function countingStore(store: Store, counted: { units: number; byKind: Map<string, number> }): Store {
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const isWrite = /^(Put|Update|Delete)Command$/.test(command.constructor.name);
    if (isWrite) command.input.ReturnConsumedCapacity = "TOTAL";
    const response = (await store.client.send(command as never)) as {
      ConsumedCapacity?: { CapacityUnits?: number };
    };
    if (isWrite) {
      const units = response.ConsumedCapacity?.CapacityUnits ?? 0;
      counted.units += units;
      const kind = itemKind(command.input);
      counted.byKind.set(kind, (counted.byKind.get(kind) ?? 0) + units);
    }
    return response;
  };
  return { ...store, client: { send } as unknown as DynamoDBDocumentClient };
}

/** An item's kind: its keys without the ids in them (`ACCOUNT/SERIES#3#D`, `BUDGET/rest`). */
function itemKind(input: Record<string, unknown>): string {
  const key = (input.Item ?? input.Key ?? {}) as { pk?: unknown; sk?: unknown };
  const pk = String(key.pk ?? "").split("#")[0];
  const sk = String(key.sk ?? "")
    .split("#")
    .filter((part) => !/^[0-9a-f]{16,}$|^\d+$/.test(part))
    .slice(0, 3)
    .join("#");
  return `${pk}/${sk}`;
}

export async function runScale(accounts: number, zonesPerAccount: number, minutes: number) {
  const wallStart = performance.now();
  const start = Date.UTC(2026, 10, 20, 12, 0, 30);
  const clock = new VirtualClock(start);
  const simulator = await startSimulator({
    clock,
    world: scaleWorld(accounts, accounts * zonesPerAccount, zoneRequestsPerMinute),
    queryCeiling,
  });
  const dynamo = await startDynalite();
  const base = createStore("scale", { endpoint: dynamo.endpoint });
  await createTable(base);
  const counted = { units: 0, byKind: new Map<string, number>() };
  const store = countingStore(base, counted);
  const calls = { graphql: [] as number[], rest: [] as number[] };
  const countingFetch: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    (url.endsWith("/graphql") ? calls.graphql : calls.rest).push(clock.now());
    return fetch(input, init);
  };
  const config = loadConfig({ CLOUDFLARE_API_BASE_URL: simulator.baseUrl });
  // Each invocation builds its own runtime, as a fresh Lambda container would.
  const runtime = () =>
    createRuntime({
      config,
      token: "sim-token",
      store,
      clock: () => clock.now(),
      logger: jsonLogger(
        {},
        process.env.SCALE_DEBUG
          ? (line) => {
              if (line.includes("rule names") || line.includes("first collection waits")) console.error(line);
            }
          : () => {},
      ),
      sleep: async (ms) => clock.advance(ms),
      fetch: countingFetch,
      groups: queryGroups,
      snapshots: snapshotGroups,
    });
  // The execution's and the tasks' timeouts are wall-clock time; here every Lambda shares one
  // loaded machine instead of running on its own, so they are set to a day and each item's own
  // time is reported (a local task that times out is not killed: it would go on writing; unset, a Task times out after 60 s).
  const definition = withoutTimeouts(synthesizedDefinition());
  let longestItemMs = 0;
  let workItems = 0;
  let everyMinutes = 1;
  let unitsAfterFirst = 0;
  let maxDataAgeSeconds = 0;
  const items: string[] = [];
  try {
    for (let minute = 0; minute < minutes; minute++) {
      clock.set(Math.max(clock.now(), start + minute * 60_000));
      const scheduledTime = new Date(start + minute * 60_000).toISOString();
      const unitsBefore = counted.units;
      await runLocally(
        definition,
        { scheduledTime },
        {
          discover: async (event) => {
            const out = await discover(runtime(), event);
            workItems = Math.max(workItems, out.accounts.length);
            everyMinutes = Math.max(everyMinutes, ...out.accounts.map((item) => item.everyMinutes ?? 1));
            return out;
          },
          fetchAccount: async (event) => {
            const began = performance.now();
            const summary = await fetchOne(runtime(), event);
            longestItemMs = Math.max(longestItemMs, performance.now() - began);
            if (process.env.SCALE_DEBUG) items.push(itemLine(summary));
            return summary;
          },
        },
      );
      if (process.env.SCALE_DEBUG) {
        const inMinute = (t: number) => t >= start + minute * 60_000 && t < start + (minute + 1) * 60_000;
        const age = await dataAgeSeconds(base, simulator, clock.now());
        console.error(
          `minute ${minute}: GraphQL ${calls.graphql.filter(inMinute).length}, REST ${calls.rest.filter(inMinute).length}, data age ${age} s, k ${everyMinutes}; items ${items.join(" ")}`,
        );
        items.length = 0;
      }
      if (minute > 0) unitsAfterFirst += counted.units - unitsBefore;
      // The data age: how far the least advanced zone shard trails now (sampled every 5 minutes
      // once the first hour's catch-up has had its turn).
      if (minute >= everyMinutes && (minute % 5 === 4 || minute === minutes - 1)) {
        maxDataAgeSeconds = Math.max(maxDataAgeSeconds, await dataAgeSeconds(base, simulator, clock.now()));
      }
    }
    const result = await recount(simulator, base);
    const notCounted = await zonesNotCounted(base, simulator);
    if (process.env.SCALE_DEBUG) {
      console.error(result.mismatches.join("\n"));
      const byKind = [...counted.byKind].sort((a, b) => b[1] - a[1]).map(([k, u]) => [k, Math.round(u)]);
      console.error(`write units by kind of item: ${JSON.stringify(byKind)}`);
    }
    const firstMinuteEnd = start / 1000 + 60;
    return {
      accounts,
      zones: accounts * zonesPerAccount,
      simulatedMinutes: minutes,
      queryCeiling,
      budgetAnswers: simulator.ceiling.budgetAnswers,
      refusedForSize: simulator.ceiling.refusals.length,
      refusedForSizeAfterFirstMinute: simulator.ceiling.refusals.filter((r) => r.at >= firstMinuteEnd).length,
      // Exact: every stored series equals the recount over its own counted range, and every
      // zone has a counted range (a zone never counted would pass the comparison unseen).
      exact: result.mismatches.length === 0 && notCounted === 0,
      mismatches: result.mismatches.length,
      zonesNotCounted: notCounted,
      maxDataAgeSeconds,
      longestItemSeconds: Math.round(longestItemMs / 100) / 10,
      workItems,
      everyMinutes,
      graphqlPer5Minutes: mostIn5Minutes(calls.graphql.sort((a, b) => a - b)),
      restPer5Minutes: mostIn5Minutes(calls.rest.sort((a, b) => a - b)),
      writeUnitsPerMinute: Math.round(unitsAfterFirst / Math.max(1, minutes - 1)),
      wallSeconds: Math.round((performance.now() - wallStart) / 1000),
    } satisfies ScaleResult;
  } finally {
    await simulator.close();
    await dynamo.close();
  }
}

/** One item's run in a debug line: GraphQL requests, zones, errors by kind (and whether it was skipped). */
function itemLine(summary: Awaited<ReturnType<typeof fetchOne>>): string {
  const kinds = new Map<string, number>();
  for (const error of summary.errors) {
    const kind = `${error.kind}(${error.query}: ${error.message.slice(0, 60)})`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const errors = [...kinds].map(([kind, n]) => `${kind}:${n}`).join(",");
  return `[${summary.graphqlRequests}q ${summary.minutesCounted}m${errors ? ` ${errors}` : ""}${summary.skipped ? " skipped" : ""}]`;
}

function withoutTimeouts<T>(value: T): T {
  const day = 86_400;
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== "object" || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(node)) out[key] = key === "TimeoutSeconds" ? day : walk(v);
    if (out.Type === "Task") out.TimeoutSeconds = day;
    return out;
  };
  return { ...(walk(value) as T), TimeoutSeconds: day };
}

/** Seconds between now and the oldest cursor of any zone's minute shards. */
async function dataAgeSeconds(
  store: Store,
  simulator: Awaited<ReturnType<typeof startSimulator>>,
  nowMs: number,
): Promise<number> {
  const minuteGroups = new Set(queryGroups.filter((g) => g.scope === "zone").map((g) => g.name));
  let oldest = nowMs / 1000;
  for (const account of simulator.world.accounts) {
    for (const shard of await readAccountShards(store, account.id)) {
      if (minuteGroups.has(shard.group)) oldest = Math.min(oldest, shard.cursor);
    }
  }
  return Math.round(nowMs / 1000 - oldest);
}

/** Zones of the world without any minute shard stored. */
async function zonesNotCounted(store: Store, simulator: Awaited<ReturnType<typeof startSimulator>>) {
  const minuteGroups = new Set(queryGroups.filter((g) => g.scope === "zone").map((g) => g.name));
  const counted = new Set<string>();
  for (const account of simulator.world.accounts) {
    for (const shard of await readAccountShards(store, account.id)) {
      if (minuteGroups.has(shard.group)) counted.add(shard.scopeId);
    }
  }
  return simulator.world.zones.filter((zone) => !counted.has(zone.id)).length;
}

export async function scaleBenchmarks(): Promise<{ scale1x1000: ScaleResult; scale10x100: ScaleResult }> {
  const minutes = Number(process.env.SCALE_MINUTES ?? 30);
  const zones = Number(process.env.SCALE_ZONES ?? 1000);
  // SCALE_ONLY runs one of the two (a thousand zones for half an hour takes a while on 2 cores).
  if (process.env.SCALE_ONLY === "10x100")
    return { scale10x100: await runScale(10, Math.max(1, Math.round(zones / 10)), minutes) } as never;
  if (process.env.SCALE_ONLY === "1x1000") return { scale1x1000: await runScale(1, zones, minutes) } as never;
  return {
    scale1x1000: await runScale(1, zones, minutes),
    scale10x100: await runScale(10, Math.max(1, Math.round(zones / 10)), minutes),
  };
}

if (import.meta.main) {
  const results = await scaleBenchmarks();
  if (!process.argv.includes("--json")) {
    for (const [name, result] of Object.entries(results)) console.log(name, result);
  }
  console.log(JSON.stringify(results));
}
