import { queryGroups } from "../../lambda/catalogue/groups/index.ts";
import { snapshotGroups } from "../../lambda/catalogue/snapshots/index.ts";
import type { FetchDeps } from "../../lambda/collect/fetch-account.ts";
import { countableEnd } from "../../lambda/collect/windows.ts";
import { staticConfigProvider } from "../../lambda/config/provider.ts";
import { discover } from "../../lambda/handlers/discover.ts";
import { fetchOne } from "../../lambda/handlers/fetch-account.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { createApp } from "../../lambda/serve/app.ts";
import { readState } from "../../lambda/serve/state.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import type { Store } from "../../lambda/store/table.ts";
import type { FaultKind } from "../../local/simulator/faults.ts";
import { Random } from "../../local/simulator/random.ts";
import { defaultWorldSpec, type WorldSpec, type Zone } from "../../local/simulator/world.ts";
import { runLocally, synthesizedDefinition } from "../../local/state-machine.ts";
import { compareExact } from "../collect/exact.ts";
import { hostMetricsEnv, startHarness } from "../collect/harness.ts";
import { recount } from "../collect/recount.ts";

/**
 * The fault soak: many simulated hours of the real pipeline (the synthesized state
 * machine, the real handlers, dynalite, the simulator over HTTP, one virtual clock) under
 * seeded faults, scraped through the real endpoint after every cycle. It reports every
 * counter that went down, every counter that differs from the simulator's settled ground
 * truth over its counted range, and every minute that was skipped.
 */
export interface SoakOptions {
  hours: number;
  cycleMinutes: number;
  seed: string;
  /** Share of cycles that get a fault. */
  faultRate: number;
}

export type InjectedFault =
  | FaultKind
  | "slowPastTimeout"
  | "killedBetweenWrites"
  | "duplicateRun"
  | "overlappingExecutions"
  | "staleWriter"
  | "outage2h"
  | "zoneAdded"
  | "zoneRemoved";

export interface SoakResult {
  hours: number;
  cycles: number;
  scrapes: number;
  faults: Partial<Record<InjectedFault, number>>;
  seriesChecked: number;
  zonesChecked: number;
  /** Counters lower in a scrape than in the one before. */
  decreases: string[];
  /** Counters that differ from ground truth at the end. */
  mismatches: string[];
  /** Series compared with the settled recount, per query group. */
  recounted: Record<string, number>;
  /** Zones with minutes skipped, or not caught up at the end. */
  gaps: string[];
  /** Requests Cloudflare refused as too large, per account name. */
  refusedForSize: Record<string, number>;
  /** Requests admitted under account-based rate limiting, per budget (`account:<name>`, `zone:<name>`). */
  accountBased: Record<string, number>;
}

/** The simulator's default world (two accounts, mixed plans) and a third account. */
export const soakWorld: WorldSpec = {
  ...defaultWorldSpec,
  seed: "soak",
  accounts: [
    ...defaultWorldSpec.accounts,
    {
      name: "Agency",
      zones: [
        { name: "client-one.com", plan: "business" },
        { name: "client-two.com", plan: "pro" },
        { name: "client-three.com", plan: "pro" },
        { name: "agency.site", plan: "free" },
      ],
    },
  ],
};

/** Queries (scopes × dataset nodes) one request may carry in the soak's Cloudflare. */
export const soakQueryCeiling = 30;

const simulatorFaults: FaultKind[] = [
  "serverError",
  "unavailable",
  "htmlError",
  "truncatedJson",
  "dataNullWithErrors",
  "budget",
  "timeout",
];
const pipelineFaults: InjectedFault[] = [
  "slowPastTimeout",
  "killedBetweenWrites",
  "duplicateRun",
  "overlappingExecutions",
  "staleWriter",
];

/** A store whose process "dies" after `writes` writes: every later call fails, nothing more is written. */
function killedAfter(store: Store, writes: number): Store {
  let done = 0;
  const send = store.client.send.bind(store.client) as (command: object) => Promise<unknown>;
  const client = new Proxy(store.client, {
    get(target, property, receiver) {
      if (property !== "send") return Reflect.get(target, property, receiver);
      return async (command: object) => {
        if (done >= writes) throw new Error("fetcher killed");
        const result = await send(command);
        if (/Put|Update|Delete/.test(command.constructor.name)) done++;
        return result;
      };
    },
  });
  return { ...store, client };
}

/**
 * A store whose first shard write waits for `gate`, announcing `reached` when it gets
 * there: a fetcher frozen between reading its shards and writing them (a paused Lambda).
 */
function stalledBeforeWrite(store: Store, gate: Promise<void>): { store: Store; reached: Promise<void> } {
  let arrive = () => {};
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const send = store.client.send.bind(store.client) as (command: object) => Promise<unknown>;
  const client = new Proxy(store.client, {
    get(target, property, receiver) {
      if (property !== "send") return Reflect.get(target, property, receiver);
      return async (command: object) => {
        const item = (command as { input?: { Item?: { sk?: unknown } } }).input?.Item;
        if (typeof item?.sk === "string" && item.sk.startsWith("SERIES#")) {
          arrive();
          await gate;
        }
        return send(command);
      };
    },
  });
  return { store: { ...store, client }, reached };
}

/** Counter samples (`name{labels}` → value) from a Prometheus text body. */
function counters(body: string): Map<string, number> {
  const out = new Map<string, number>();
  const counterFamilies = new Set<string>();
  for (const line of body.split("\n")) {
    const type = /^# TYPE (\S+) counter$/.exec(line);
    if (type?.[1]) counterFamilies.add(type[1]);
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    const key = line.slice(0, cut);
    const name = key.split("{")[0] ?? key;
    if (counterFamilies.has(name)) out.set(key, Number(line.slice(cut + 1)));
  }
  return out;
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const random = new Random(options.seed, "soak");
  const harness = await startHarness({
    world: soakWorld,
    // A short timeout (still well above a loaded machine's answer time) makes "slow"
    // answers time out at little real cost; the virtual clock pays for the retries.
    env: { CLOUDFLARE_REQUEST_TIMEOUT_MS: "1000", ...hostMetricsEnv },
    // Cloudflare's per-request ceiling, low enough that every account's chunk must learn it;
    // the accounts share one token, so one budget.
    simulator: { queryCeiling: soakQueryCeiling },
  });
  const { clock, simulator, store } = harness;
  // Every query group and REST snapshot, as deployed. The Agency's fetchers ask for
  // account-based rate limiting (their zone lists nested in the account, their own budget).
  const agencyId = simulator.world.accounts.find((a) => a.name === "Agency")?.id;
  const runtime = (overrides: { withoutLease?: boolean; accountId?: string } = {}): FetchDeps =>
    harness.runtime({
      groups: queryGroups,
      snapshots: snapshotGroups,
      ...(overrides.withoutLease ? { withoutLease: true } : {}),
      ...(overrides.accountId === agencyId ? { env: { GRAPHQL_ACCOUNT_BASED_RATE_LIMITING: "true" } } : {}),
    });
  const result: SoakResult = {
    hours: options.hours,
    cycles: 0,
    scrapes: 0,
    faults: {},
    seriesChecked: 0,
    zonesChecked: 0,
    decreases: [],
    mismatches: [],
    gaps: [],
    recounted: {},
    refusedForSize: {},
    accountBased: {},
  };
  const count = (fault: InjectedFault) => {
    result.faults[fault] = (result.faults[fault] ?? 0) + 1;
  };
  try {
    const definition = synthesizedDefinition();
    const app = createApp({
      settings: staticConfigProvider({ CLOUDFLARE_API_BASE_URL: simulator.baseUrl }),
      readState: (config) => readState(store, config),
      clock: () => clock.now(),
      build: { version: "soak", runtime: process.version },
      auth: { required: false, credentials: {} },
      logger: memoryLogger(),
    });

    const cycle = async (scheduled: number, deps: (accountId: string) => FetchDeps) => {
      const base = deps("");
      const output = await runLocally(
        definition,
        { scheduledTime: new Date(scheduled).toISOString() },
        {
          discover: (event) => discover(base, event),
          fetchAccount: (event) => fetchOne(deps((event as { accountId: string }).accountId), event),
        },
      );
      if (process.env.SOAK_DEBUG) console.log(new Date(scheduled).toISOString(), JSON.stringify(output));
    };
    let previous = new Map<string, number>();
    const scrape = async () => {
      const response = await app({ method: "GET", path: "/metrics", rawQuery: "", headers: {} });
      const current = counters(String(response.body));
      for (const [key, value] of previous) {
        const now = current.get(key);
        if (now === undefined || now < value) result.decreases.push(`${key}: ${value} → ${now}`);
      }
      previous = current;
      result.scrapes++;
      return current;
    };

    // Zone churn: one paid zone appears a third of the way in, another leaves halfway.
    const zones = simulator.world.zones;
    const allZones = [...zones];
    const takeZone = (name: string): Zone => {
      const index = zones.findIndex((zone) => zone.name === name);
      const [zone] = zones.splice(index, 1);
      if (!zone) throw new Error(`${name} is not in the soak world`);
      return zone;
    };
    const late = takeZone("client-three.com");
    const cycles = Math.floor((options.hours * 60) / options.cycleMinutes);
    const outageFrom = Math.floor(cycles * 0.6);
    const outageCycles = Math.ceil(120 / options.cycleMinutes);
    const start = clock.now();

    for (let index = 0; index < cycles; index++) {
      const scheduled = start + index * options.cycleMinutes * 60_000;
      if (index === outageFrom) count("outage2h");
      if (index >= outageFrom && index < outageFrom + outageCycles) continue; // nothing runs
      if (index === Math.floor(cycles / 3)) {
        zones.push(late);
        count("zoneAdded");
      }
      if (index === Math.floor(cycles / 2)) {
        takeZone("client-two.com");
        count("zoneRemoved");
      }
      clock.set(Math.max(clock.now(), scheduled));
      const plain = (accountId: string) => runtime({ accountId });
      simulator.faults.clear();
      const normal = () => cycle(scheduled, plain);
      let runs: Promise<void>[] | undefined;
      if (random.next() < options.faultRate) {
        const kind = random.pick<InjectedFault>([...simulatorFaults, ...pipelineFaults]);
        count(kind);
        const api = random.pick(["graphql", "rest", "any"] as const);
        if (kind === "slowPastTimeout") simulator.faults.add({ kind: "slow", api, delayMs: 1_200, times: 1 });
        else if (kind === "timeout") simulator.faults.add({ kind: "timeout", api, times: 1 });
        else if (simulatorFaults.includes(kind as FaultKind))
          simulator.faults.add({ kind: kind as FaultKind, api, times: random.int(1, 3) });
        else if (kind === "killedBetweenWrites") {
          const victim = random.pick(simulator.world.accounts).id;
          const writes = random.int(1, 4);
          runs = [
            cycle(scheduled, (accountId) =>
              accountId === victim
                ? { ...runtime({ accountId }), store: killedAfter(store, writes) }
                : runtime({ accountId }),
            ),
          ];
        } else if (kind === "duplicateRun") runs = [normal(), normal()];
        else if (kind === "overlappingExecutions")
          runs = [normal(), cycle(scheduled, (accountId) => runtime({ withoutLease: true, accountId }))];
        else if (kind === "staleWriter") {
          // An execution started two minutes ago reads, freezes, and writes only after a
          // newer execution has finished: its write must not move a cursor back.
          let open = () => {};
          const gate = new Promise<void>((resolve) => {
            open = resolve;
          });
          const stalled = stalledBeforeWrite(store, gate);
          const stale = cycle(scheduled - 120_000, (accountId) => ({
            ...runtime({ withoutLease: true, accountId }),
            clock: () => clock.now() - 120_000,
            store: stalled.store,
          }));
          await Promise.race([stalled.reached, stale.catch(() => {})]);
          await normal().catch(() => {});
          await scrape(); // Prometheus may scrape at any moment, this one included
          open();
          runs = [stale];
        }
      }
      // An execution may fail under faults (discovery itself, say); it must lose nothing.
      await Promise.allSettled(runs ?? [normal()]);
      result.cycles++;
      await scrape();
    }

    // Calm after the storm: clean cycles until the budget blocks and leases have expired
    // and every zone has caught up with what has settled.
    simulator.faults.clear();
    for (let index = 0; index < 12; index++) {
      clock.set(Math.max(clock.now(), start + (cycles + index) * options.cycleMinutes * 60_000));
      await cycle(clock.now(), (accountId) => runtime({ accountId }));
    }
    const final = await scrape();

    const end = countableEnd(clock.now() / 1000, 300);
    const present = new Set(zones.map((zone) => zone.id));
    // Ground truth of a zone that left is still known to the simulator once it is back in its list.
    for (const zone of allZones) if (!zones.includes(zone)) zones.push(zone);
    const minuteGroups = new Set(queryGroups.map((group) => group.name));
    for (const account of simulator.world.accounts) {
      const shards = (await readAccountShards(store, account.id)).filter((s) => minuteGroups.has(s.group));
      for (const [key, own] of Map.groupBy(shards, (shard) => `${shard.group}/${shard.scopeId}`)) {
        const [group = "", scopeId = ""] = key.split("/");
        const zone = allZones.find((z) => z.id === scopeId);
        const starts = new Set(own.map((shard) => shard.start));
        const cursors = new Set(own.map((shard) => shard.cursor));
        const lost = own.reduce((sum, shard) => sum + shard.lostMinutes, 0);
        const name = `${group} ${zone?.name ?? account.name}`;
        if (starts.size !== 1 || cursors.size !== 1)
          result.gaps.push(`${name}: shards disagree on the counted range`);
        if (lost > 0) result.gaps.push(`${name}: ${lost} minutes skipped`);
        const [from] = starts;
        const [to] = cursors;
        if (from === undefined || to === undefined) continue;
        if ((present.has(scopeId) || scopeId === account.id) && to !== end)
          result.gaps.push(`${name}: counted until ${to}, settled until ${end}`);
        // http-requests-1m is also held against the model's ground truth, series by series.
        if (group !== "http-requests-1m" || !zone) continue;
        const compared = compareExact(simulator, final, zone, [[from, to]]);
        result.seriesChecked += compared.checked;
        result.mismatches.push(...compared.mismatches);
        result.zonesChecked++;
      }
    }
    // Every group: what was stored equals one settled recount of the whole counted range.
    const recounted = await recount(simulator, store);
    result.mismatches.push(...recounted.mismatches);
    result.recounted = Object.fromEntries(recounted.checked);
    for (const refusal of simulator.ceiling.refusals) {
      const tag = refusal.scopeTags[0] ?? "";
      const accountId = allZones.find((z) => z.id === tag)?.accountId ?? tag;
      const name = simulator.world.accounts.find((a) => a.id === accountId)?.name ?? "?";
      result.refusedForSize[name] = (result.refusedForSize[name] ?? 0) + 1;
    }
    for (const [key, n] of simulator.accountBased.admitted) {
      const [kind, id] = key.split(":");
      const name = [...simulator.world.accounts, ...allZones].find((x) => x.id === id)?.name ?? "?";
      result.accountBased[`${kind}:${name}`] = n;
    }
    return result;
  } finally {
    await harness.close();
  }
}

export function summaryLine(result: SoakResult): string {
  const faults = Object.entries(result.faults)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
  return [
    `soak: ${result.hours} simulated hours, ${result.cycles} cycles, ${result.scrapes} scrapes`,
    `faults: ${faults}`,
    `${result.seriesChecked} values checked against ground truth in ${result.zonesChecked} zones`,
    `${Object.values(result.recounted).reduce((a, b) => a + b, 0)} series of ${Object.keys(result.recounted).length} query groups recounted`,
    `refused as too large: ${JSON.stringify(result.refusedForSize)}`,
    `account-based requests: ${JSON.stringify(result.accountBased)}`,
    `${result.mismatches.length} mismatches, ${result.decreases.length} decreases, ${result.gaps.length} gaps`,
  ].join("; ");
}
