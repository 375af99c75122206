import { randomUUID } from "node:crypto";
import { type AnyQueryGroup, accountLabel } from "../catalogue/query-group.ts";
import { budgetBackoffSeconds, CloudflareApiError, errorLabel, stopsTheRun } from "../cloudflare/errors.ts";
import { readGraphqlBlock, writeGraphqlBlock } from "../store/graphql-blocks.ts";
import { acquireLease, releaseLease } from "../store/items.ts";
import { type ZoneReads, zoneReadsOf, zonesOfRun } from "../store/slice-cache.ts";
import { recordRun } from "../store/status.ts";
import { Availability } from "./availability.ts";
import { type ChunkContext, collectChunk } from "./collect-chunk.ts";
import { type AccountInfo, discoverAccountSettings, discoverZones, type ZoneInfo } from "./discovery.ts";
import { collectSnapshots } from "./fetch-snapshots.ts";
import { AccountCeiling } from "./fetch-within-ceiling.ts";
import {
  addCounts,
  describe,
  type FetchDeps,
  type FetchSummary,
  noCounts,
  type PhaseResult,
  type PushAfterRun,
  type RunCounts,
  type ShardWrite,
} from "./run-types.ts";
import { leaseIdOf, type WorkScope, zoneGroupsOf, zonesOfItem } from "./work-items.ts";
import { collectZones, prepareZoneStage } from "./zone-stage.ts";

export type { ApiStats, FetchDeps, FetchError, FetchSummary } from "./run-types.ts";
export { describe } from "./run-types.ts";

/**
 * One fetcher run for one account: for every query group and zone, count every settled
 * minute after the zone's cursor, exactly once. A zone or group that fails keeps its
 * cursor and is retried by the next run; the others go on.
 */
const leaseMs = 55_000;

type Stage = [name: string, run: () => Promise<PhaseResult>];

/** One work item (work-items.ts): the whole account, or a slice of its zones; absent, the whole account. */
export async function fetchAccount(
  deps: FetchDeps,
  account: AccountInfo,
  scope: WorkScope = {},
): Promise<FetchSummary> {
  const none = emptySummary(account, scope);
  const before = { ...deps.stats };
  // Kept beside the container's slice cache (store/slice-cache.ts): the run's share is the difference.
  const readsBefore = zoneReadsOf(deps.store, account.id);
  const owner = randomUUID();
  const log = deps.logger.child({ accountId: account.id });
  // One lease per work item: an account's zone slices run side by side, a repeated item does not.
  const leaseId = leaseIdOf(account.id, scope);
  if (!deps.withoutLease && !(await acquireLease(deps.store, leaseId, owner, deps.clock(), leaseMs))) {
    log.info("another run holds this account's lease; skipping");
    return { ...none, skipped: "lease held by another run" };
  }
  let summary: FetchSummary = none;
  const writes: ShardWrite[] = [];
  // The run's writes are kept only when there is a push to give them to. Its GraphQL
  // client is the account's (its own budget under account-based rate limiting).
  const run: FetchDeps = {
    ...deps,
    graphql: deps.graphql.forAccount(account.id),
    ...(deps.push ? { onShardWritten: (write: ShardWrite) => void writes.push(write) } : {}),
  };
  try {
    const blockedUntil = await readGraphqlBlock(deps.store, blockScope(deps, account.id));
    if (blockedUntil > deps.clock()) {
      const until = new Date(blockedUntil).toISOString();
      log.info("Cloudflare's GraphQL budget is spent; this run waits", { until });
      summary = { ...summary, skipped: `GraphQL budget spent until ${until}` };
    } else {
      const collected = await collectAccount(run, account, scope);
      summary = { ...summary, ...collected.counts, zonesCollected: collected.zonesCollected };
    }
  } finally {
    summary = {
      ...summary,
      graphqlRequests: deps.stats.graphqlRequests - before.graphqlRequests,
      restRequests: deps.stats.restRequests - before.restRequests,
      rateLimitEvents: deps.stats.rateLimitEvents - before.rateLimitEvents,
      ...stateReads(deps, account.id, readsBefore),
    };
    // An account's self-metrics are pushed by the item that collects its own datasets only.
    const selfMetrics = scope.accountStages !== false;
    const wholeAccount = scope.zones === undefined;
    if (deps.push)
      summary = await pushAfterRun(deps.push, { account, writes, selfMetrics, wholeAccount }, summary);
    await finishRun(deps, account, summary, { owner, leaseId });
  }
  for (const error of summary.errors) log.warn("collection error", { ...error });
  return summary;
}

/** A run's summary before it counted anything (and of a run that skips). */
function emptySummary(account: AccountInfo, scope: WorkScope): FetchSummary {
  return {
    accountId: account.id,
    accountName: account.name,
    zonesCollected: 0,
    everyMinutes: scope.everyMinutes ?? 1,
    ...noCounts(),
    graphqlRequests: 0,
    restRequests: 0,
    rateLimitEvents: 0,
    stateZonesHeld: 0,
    stateZonesRead: 0,
  };
}

/** The run's zones: those whose state the container held, those read from the table. */
function stateReads(deps: FetchDeps, accountId: string, before: ReadonlyMap<string, ZoneReads>) {
  const zones = zonesOfRun(before, zoneReadsOf(deps.store, accountId));
  return { stateZonesHeld: zones.held, stateZonesRead: zones.read };
}

/** Discovery, then each stage on its own: zones, the account's datasets, REST snapshots. */
async function collectAccount(
  deps: FetchDeps,
  account: AccountInfo,
  scope: WorkScope,
): Promise<{ counts: RunCounts; zonesCollected: number }> {
  // Accounts listed as free tier get no zone GraphQL queries (as the reference does); their
  // account datasets and the zones' REST snapshots are still collected. One item of an
  // account collects the account's own datasets.
  const zoneGroups = zoneGroupsOf(deps.config, deps.groups, account.id);
  const accountGroups =
    scope.accountStages === false ? [] : deps.groups.filter((group) => group.scope === "account");
  let counts = noCounts();
  let zones: ZoneInfo[] = [];
  try {
    const datasets = zoneGroups.flatMap((g) => [g.dataset, g.standsInFor ?? [], g.onlyWith ?? []].flat());
    const all = await discoverZones(deps, account, [...new Set(datasets)]);
    zones = zonesOfItem(all, scope);
  } catch (error) {
    counts = addCounts(counts, { errors: [describe("discovery", error)] });
    await noteRateLimit(deps, error, account.id);
    if (stopsTheRun(error)) return { counts, zonesCollected: 0 };
  }
  const zonesCollected = zones.filter((zone) =>
    zoneGroups.some((group) => zone.settings[group.dataset]?.enabled),
  ).length;
  const availability = await Availability.load(deps.store, account.id, deps.clock());
  const probePeriodMs = deps.config.graphqlCeilingProbeSeconds * 1000;
  const ceiling = await AccountCeiling.load(deps.store, account.id, deps.clock(), probePeriodMs);
  const stage = await prepareZoneStage(deps, account, scope, zones, { zoneGroups, availability });
  stage.context = { ...stage.context, ceiling };
  const stages: Stage[] = [
    ["zones", () => collectZones(deps, stage, zoneGroups)],
    ["account", () => collectAccountGroups(deps, stage.context, accountGroups)],
    ["snapshots", () => collectSnapshots(deps, account, zones)],
  ];
  try {
    counts = addCounts(counts, await runStages(deps, stages, account.id));
  } finally {
    await availability.save();
    await ceiling.save();
    await stage.schedule.save(deps.clock());
  }
  return { counts, zonesCollected };
}

/**
 * Each stage on its own: a failure in one (say, the account's settings) costs the others
 * nothing; only a rate limit or a rejected token stops the run. The zones and the
 * account's own datasets are collected side by side, so their first requests share one
 * round trip, and their outcomes are taken in that order, as if the account's ran after
 * the zones': when the zones' stage stops the run, the account stage's error (the same
 * cause met again, or one the run would not have reached) is not counted; what it stored
 * stays stored and counted, as every write is.
 */
async function runStages(deps: FetchDeps, stages: readonly Stage[], accountId: string): Promise<RunCounts> {
  const [first, second, ...rest] = stages;
  const together = [first, second].filter((stage): stage is Stage => stage !== undefined);
  const outcomes = await Promise.all(together.map(([, run]) => outcomeOf(run)));
  let counts = noCounts();
  for (const [i, outcome] of [...outcomes.entries()]) {
    const [stage] = together[i] as Stage;
    counts = addCounts(counts, outcome.counts);
    if (outcome.stop === undefined) continue;
    counts = addCounts(counts, { errors: [describe(stage, outcome.stop)] });
    await noteRateLimit(deps, outcome.stop, accountId);
    if (stopsTheRun(outcome.stop)) return i === 0 ? withStored(counts, outcomes[1]) : counts;
  }
  for (const [stage, run] of rest) {
    const outcome = await outcomeOf(run);
    counts = addCounts(counts, outcome.counts);
    if (outcome.stop === undefined) continue;
    counts = addCounts(counts, { errors: [describe(stage, outcome.stop)] });
    await noteRateLimit(deps, outcome.stop, accountId);
    if (stopsTheRun(outcome.stop)) break;
  }
  return counts;
}

/** A stage's result, or what it threw as its stop. */
async function outcomeOf(run: () => Promise<PhaseResult>): Promise<PhaseResult> {
  try {
    return await run();
  } catch (error) {
    return { counts: noCounts(), stop: error };
  }
}

/** The run's counts with what the stage run beside a stopping one stored (its errors left out). */
function withStored(counts: RunCounts, beside: PhaseResult | undefined): RunCounts {
  if (!beside) return counts;
  return addCounts(counts, { ...beside.counts, errors: [] });
}

async function collectAccountGroups(
  deps: FetchDeps,
  context: ChunkContext,
  groups: readonly AnyQueryGroup[],
): Promise<PhaseResult> {
  if (groups.length === 0) return { counts: noCounts() };
  const { account } = context;
  const settings = await discoverAccountSettings(deps, account, [...new Set(groups.map((g) => g.dataset))]);
  const label = { name: "account" as const, value: accountLabel(account.name) };
  return collectChunk(deps, context, [{ id: account.id, label, settings }], groups);
}

/** Stores the run's counters and summary, and gives the lease back. */
async function finishRun(
  deps: FetchDeps,
  account: AccountInfo,
  summary: FetchSummary,
  lease: { owner: string; leaseId: string },
): Promise<void> {
  const counts = new Map<string, number>();
  for (const error of summary.errors) counts.set(errorLabel(error), (counts.get(errorLabel(error)) ?? 0) + 1);
  // The zones held and read go to the run's log line only: the STATUS item stays the size it was.
  const { errors, stateZonesHeld: _held, stateZonesRead: _read, ...totals } = summary;
  const usage = {
    graphqlRequests: summary.graphqlRequests,
    restRequests: summary.restRequests,
    rateLimitEvents: summary.rateLimitEvents,
  };
  await recordRun(
    deps.store,
    account.id,
    counts,
    { ...totals, errorCount: errors.length, finishedAt: deps.clock() },
    usage,
  );
  if (!deps.withoutLease) await releaseLease(deps.store, lease.leaseId, lease.owner);
}

/** The push, after every state write of the run and within its lease: its failure is the run's error, never its counting's. */
async function pushAfterRun(
  push: PushAfterRun,
  run: { account: AccountInfo; writes: readonly ShardWrite[]; selfMetrics: boolean; wholeAccount: boolean },
  summary: FetchSummary,
): Promise<FetchSummary> {
  try {
    const report = await push(run.account, run.writes, {
      selfMetrics: run.selfMetrics,
      wholeAccount: run.wholeAccount,
    });
    return report ? { ...summary, push: report } : summary;
  } catch (error) {
    return { ...summary, errors: [...summary.errors, describe("remote-write", error)] };
  }
}

/** When Cloudflare itself (not this run's own budget) says the GraphQL budget is spent, every fetcher holds off. */
async function noteRateLimit(deps: FetchDeps, error: unknown, accountId: string): Promise<void> {
  if (error instanceof CloudflareApiError && error.kind === "rateLimited" && error.status !== undefined) {
    const until = deps.clock() + (error.retryAfterSeconds ?? budgetBackoffSeconds) * 1000;
    // What the exporter had spent of that budget, for the status page; unread, the block still holds.
    const usage = await deps.graphql.budgetUsage()?.catch(() => undefined);
    await writeGraphqlBlock(deps.store, until, blockScope(deps, accountId), usage);
  }
}

/** Whose budget a "budget depleted" answer spent: the token's, or the account's under account-based rate limiting. */
const blockScope = (deps: FetchDeps, accountId: string) =>
  deps.config.accountBasedRateLimiting ? accountId : undefined;
