/**
 * `npm run bench`: what one fetcher cycle costs for 1, 10 and 100 zones with every query
 * group and REST snapshot, against the simulator and dynalite on this machine. Reports
 * Cloudflare requests (beside the reference exporter's), DynamoDB items written and write
 * units consumed (as dynalite reports ConsumedCapacity), and time. Numbers go in
 * docs/benchmarks.md; nothing here is asserted.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { fetchAccount } from "../lambda/collect/fetch-account.ts";
import { createRuntime } from "../lambda/collect/runtime.ts";
import { loadConfig } from "../lambda/config/config.ts";
import { jsonLogger } from "../lambda/lib/log.ts";
import { createStore, createTable, type Store } from "../lambda/store/table.ts";
import { startDynalite } from "../local/dynalite.ts";
import { VirtualClock } from "../local/simulator/clock.ts";
import { startSimulator } from "../local/simulator/server.ts";

interface Counted {
  items: number;
  units: number;
}

/** Counts every DynamoDB write and the capacity it consumed. */
function countingStore(store: Store, counted: Counted): Store {
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const isWrite = /^(Put|Update|Delete)Command$/.test(command.constructor.name);
    if (isWrite) command.input.ReturnConsumedCapacity = "TOTAL";
    const response = (await store.client.send(command as never)) as {
      ConsumedCapacity?: { CapacityUnits?: number };
    };
    if (isWrite) {
      counted.items += 1;
      counted.units += response.ConsumedCapacity?.CapacityUnits ?? 0;
    }
    return response;
  };
  return { ...store, client: { send } as unknown as DynamoDBDocumentClient };
}

async function measure(zoneCount: number) {
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
  const dynamo = await startDynalite();
  const base = createStore("bench", { endpoint: dynamo.endpoint });
  await createTable(base);
  const counted: Counted = { items: 0, units: 0 };
  const config = loadConfig({ CLOUDFLARE_API_BASE_URL: simulator.baseUrl });
  const account = simulator.world.accounts[0];
  if (!account) throw new Error("no account");
  const cycle = async () => {
    const deps = createRuntime({
      config,
      token: "sim-token",
      store: countingStore(base, counted),
      clock: () => clock.now(),
      logger: jsonLogger({}, () => {}),
      sleep: async (ms) => clock.advance(ms),
    });
    counted.items = 0;
    counted.units = 0;
    const started = performance.now();
    const summary = await fetchAccount(deps, { id: account.id, name: account.name });
    const ms = performance.now() - started;
    if (summary.errors.length > 0) throw new Error(JSON.stringify(summary.errors));
    // Every series of every group for every zone is exact; the soak and tests show it.
    return { ...summary, ms, items: counted.items, units: counted.units };
  };
  // First cycle: discovery and the one-hour initial catch-up.
  const first = await cycle();
  // Steady state: one minute later, one new minute per zone.
  const steady = [];
  for (let i = 0; i < 5; i++) {
    clock.advance(60_000);
    steady.push(await cycle());
  }
  await simulator.close();
  await dynamo.close();
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return {
    zoneCount,
    first,
    steady: {
      graphqlRequests: median(steady.map((s) => s.graphqlRequests)),
      restRequests: median(steady.map((s) => s.restRequests)),
      items: median(steady.map((s) => s.items)),
      units: median(steady.map((s) => s.units)),
      series: median(steady.map((s) => s.seriesWritten)),
      ms: median(steady.map((s) => s.ms)),
    },
  };
}

/**
 * The reference sends one GraphQL request per query group per account each minute: 11
 * zone groups with every zone in one `zoneTag_in` (so it cannot serve more than 10) and 3
 * account groups, 14 in all (+1 per minute when its bot-field fallback triggers).
 */
const reference = (zones: number) => (zones > 10 ? "14 (fails: > 10 zones in one query)" : "14");

const rows: string[] = [
  "| zones | cycle | GraphQL requests | reference's GraphQL requests | REST requests | DynamoDB items written | write units | series stored | fetcher time (ms) |",
  "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
];
for (const zones of [1, 10, 100]) {
  const result = await measure(zones);
  const f = result.first;
  rows.push(
    `| ${zones} | first (discovery + 60 min catch-up) | ${f.graphqlRequests} | | ${f.restRequests} | ${f.items} | ${f.units.toFixed(0)} | ${f.seriesWritten} | ${f.ms.toFixed(0)} |`,
  );
  const s = result.steady;
  rows.push(
    `| ${zones} | steady (median of 5) | ${s.graphqlRequests} | ${reference(zones)} | ${s.restRequests} | ${s.items} | ${s.units.toFixed(0)} | ${s.series} | ${s.ms.toFixed(0)} |`,
  );
}
console.log(rows.join("\n"));
