import type { AnyQueryGroup } from "../catalogue/query-group.ts";
import type { Availability } from "./availability.ts";
import { ChunkSchedule, chunksOf } from "./chunk-schedule.ts";
import { type ChunkContext, collectChunk, collectChunks } from "./collect-chunk.ts";
import type { AccountInfo, ZoneInfo } from "./discovery.ts";
import { graphqlConcurrency } from "./fetch-in-waves.ts";
import {
  type BudgetSharers,
  type ChunkEntry,
  dueAhead,
  roomToBegin,
  rotationRequests,
} from "./first-cycle.ts";
import { maxZonesPerQuery } from "./limits.ts";
import { loadRuleNames } from "./rule-name-cache.ts";
import {
  addCounts,
  type BudgetReading,
  type FetchDeps,
  noCounts,
  type PhaseResult,
  type Target,
} from "./run-types.ts";
import { chunkRequests } from "./widening.ts";
import type { WorkScope } from "./work-items.ts";

/**
 * The zones stage of a run: this minute's chunks of the item (all, or under widening its
 * share, least recently collected first: chunk-schedule.ts), the firewall rule names of
 * their zones only (so a large estate's first cycle reads them chunk by chunk, as each is
 * due, inside the REST budget), then the chunks, a few at a time.
 */
export interface ZoneStage {
  /** The chunks due this minute, in order. */
  chunks: Target[][];
  /** Every chunk of the item. */
  all: Target[][];
  context: ChunkContext;
  schedule: ChunkSchedule;
  /** What draws from the item's GraphQL budget (work-items.ts). */
  onBudget: BudgetSharers;
  everyMinutes: number;
  /** Query groups asked of each zone (a chunk's request count follows). */
  zoneGroups: number;
  /** GraphQL requests the chunks in rotation took in this run, and how many chunks they were. */
  spent: { requests: number; chunks: number };
  /**
   * The zones of begun chunks, not due, whose rule names waited and were read in this run:
   * their rule-labelled groups catch up now instead of at the chunk's next turn.
   */
  named: Target[][];
}

export async function prepareZoneStage(
  deps: FetchDeps,
  account: AccountInfo,
  scope: WorkScope,
  zones: readonly ZoneInfo[],
  rest: { zoneGroups: readonly AnyQueryGroup[]; availability: Availability },
): Promise<ZoneStage> {
  const scheduled = Date.parse(scope.scheduledTime ?? "");
  const minute = Math.floor((Number.isNaN(scheduled) ? deps.clock() : scheduled) / 60_000);
  const schedule = await ChunkSchedule.load(deps.store, account.id, scope, minute);
  const targets: Target[] = zones.map((zone) => ({
    id: zone.id,
    label: { name: "zone", value: zone.name },
    settings: zone.settings,
    plan: zone.plan,
  }));
  const all = chunksOf(targets);
  const chunks = schedule.due(all, scope, account.id);
  const due = new Set(chunks.flat().map((target) => target.id));
  // Names that waited for REST budget are asked for again every minute, due or not, first.
  const waited = schedule.namesWaiting;
  const { context, pending } = await chunkContext(
    deps,
    account,
    rest.zoneGroups,
    [
      ...zones.filter((zone) => waited.has(zone.id)),
      ...zones.filter((z) => due.has(z.id) && !waited.has(z.id)),
    ],
    rest.availability,
  );
  schedule.namesWait(pending);
  // Only those zones: the chunk's others' names were not read in this run.
  const named = all
    .filter((chunk) => schedule.hasBegun(chunk) && !chunks.includes(chunk))
    .map((chunk) => chunk.filter((target) => waited.has(target.id) && !pending.has(target.id)))
    .filter((zonesNamed) => zonesNamed.length > 0);
  const onBudget = scope.onBudget ?? {
    chunks: rest.zoneGroups.length > 0 ? all.length : 0,
    accounts: scope.accountStages !== false && deps.groups.some((group) => group.scope === "account") ? 1 : 0,
  };
  return {
    chunks,
    all,
    context,
    schedule,
    onBudget,
    everyMinutes: scope.everyMinutes ?? 1,
    zoneGroups: rest.zoneGroups.length,
    spent: { requests: 0, chunks: 0 },
    named,
  };
}

/** Rule names of the due zones, and what the chunks need to know of refusals and labels. */
async function chunkContext(
  deps: FetchDeps,
  account: AccountInfo,
  zoneGroups: readonly AnyQueryGroup[],
  zones: readonly ZoneInfo[],
  availability: Availability,
): Promise<{ context: ChunkContext; pending: ReadonlySet<string> }> {
  const log = deps.logger.child({ accountId: account.id });
  const ruleNames = await loadRuleNames(deps, account, zoneGroups, zones);
  const policy = { excludeHost: deps.config.excludeHost, httpStatusGroup: deps.config.httpStatusGroup };
  const context: ChunkContext = {
    account,
    isUnavailable: (group, target) => availability.isUnavailable(group.name, target.id),
    // A zone whose rule names wait for REST budget: its rule-labelled groups wait with them,
    // their shards kept at the zone's start, and catch up once the names are read.
    isWaiting: (group, target) => group.usesRuleNames === true && ruleNames.pending.has(target.id),
    markUnavailable: (group, target, error) => {
      availability.mark(group.name, target.id, deps.config.unavailableRetrySeconds, error.message);
      log.warn("Cloudflare refused a dataset for this zone or account; it is left alone for a while", {
        query: group.name,
        scope: target.label.value,
        retrySeconds: deps.config.unavailableRetrySeconds,
        reason: error.message,
      });
    },
    policyFor: (target) => ({ ...policy, ruleNames: ruleNames.names.get(target.id) ?? {} }),
  };
  return { context, pending: ruleNames.pending };
}

/**
 * The due chunks, a few at a time, as each in turn would be collected; one collected
 * through goes to the back of the schedule; a stop ends the stage. Chunks that have not begun come last, each only while the budget has
 * room for it (first-cycle.ts); the first that has to wait, and those after it, wait.
 */
export async function collectZones(
  deps: FetchDeps,
  stage: ZoneStage,
  groups: readonly AnyQueryGroup[],
): Promise<PhaseResult> {
  let counts = noCounts();
  const notBegun: Target[][] = [];
  const later = { mayBegin: async () => false, began: async () => {} };
  // A few chunks at a time, their requests in flight together (fetch-in-waves.ts); the
  // results come in chunk order, as one after another would give them.
  const batch = deps.graphqlConcurrency ?? graphqlConcurrency;
  for (let first = 0; first < stage.chunks.length; first += batch) {
    const chunks = stage.chunks.slice(first, first + batch);
    const before = deps.stats.graphqlRequests;
    const results = await collectChunks(deps, stage.context, chunks, groups, later);
    let collected = 0;
    for (const [index, result] of results.entries()) {
      const chunk = chunks[index] ?? [];
      if (result.waits) {
        notBegun.push(chunk);
        continue;
      }
      counts = addCounts(counts, result.counts);
      if (result.stop !== undefined) return { counts, stop: result.stop };
      stage.schedule.collected(chunk);
      collected += 1;
    }
    stage.spent.requests += deps.stats.graphqlRequests - before;
    stage.spent.chunks += collected;
  }
  const caughtUp = await catchUpNamed(deps, stage, groups);
  counts = addCounts(counts, caughtUp.counts);
  if (caughtUp.stop !== undefined) return { counts, stop: caughtUp.stop };
  if (notBegun.length === 0) return { counts };
  await stage.schedule.keep();
  for (const [index, chunk] of notBegun.entries()) {
    const before = deps.stats.graphqlRequests;
    const entry = entryOf(deps, stage, chunk);
    const result = await collectChunk(deps, stage.context, chunk, groups, entry);
    if (result.waits) {
      for (const waiting of notBegun.slice(index)) stage.schedule.waits(waiting);
      break;
    }
    await entry.began();
    counts = addCounts(counts, result.counts);
    if (result.stop !== undefined) return { counts, stop: result.stop };
    stage.schedule.began(chunk, deps.stats.graphqlRequests - before);
  }
  return { counts };
}

/**
 * The rule-labelled groups of begun chunks whose zones' names were read in this run after
 * waiting: they catch up from the zones' start now, the chunk's turn left as it was.
 */
async function catchUpNamed(
  deps: FetchDeps,
  stage: ZoneStage,
  groups: readonly AnyQueryGroup[],
): Promise<PhaseResult> {
  const labelled = groups.filter((group) => group.usesRuleNames);
  let counts = noCounts();
  if (labelled.length === 0) return { counts };
  for (const chunk of stage.named) {
    const result = await collectChunk(deps, stage.context, chunk, labelled);
    counts = addCounts(counts, result.counts);
    if (result.stop !== undefined) return { counts, stop: result.stop };
  }
  return { counts };
}

/**
 * A chunk that has not begun: counted from when it first waited; begun when the budget has
 * room for it, its estimate paid up front (what it does not spend is given back after).
 */
function entryOf(deps: FetchDeps, stage: ZoneStage, chunk: readonly Target[]): ChunkEntry {
  const since = stage.schedule.waitingSince(chunk);
  return {
    ...(since === undefined ? {} : { since: since * 60 }),
    mayBegin: async (planned) => {
      const budget = deps.graphqlUpfront?.(stage.context.account.id);
      if (!budget) return true;
      const { schedule } = stage;
      // This chunk joins the rotation now: collected again k minutes on.
      const lasts = [...schedule.lastCollected(stage.all), schedule.minute];
      const rotation = rotationRequests(stage.onBudget, {
        due: dueAhead(lasts, schedule.minute, stage.everyMinutes),
        inRotation: lasts.length,
        itemChunks: stage.all.length,
        chunkCost: steadyChunkCost(deps, stage),
        everyMinutes: stage.everyMinutes,
      });
      const estimate = Math.max(planned, stage.schedule.entryCost);
      let held = 0;
      const fits = (reading: BudgetReading) => {
        held = [...reading.slots.values()].reduce((sum, n) => sum + n, 0);
        return roomToBegin(reading, estimate, rotation, schedule.minute);
      };
      if (await budget.reserve(estimate, fits)) return true;
      deps.logger.info("a chunk's first collection waits for GraphQL budget", {
        accountId: stage.context.account.id,
        held,
        estimate,
        rotation: rotation.map((n) => Math.round(n)),
      });
      return false;
    },
    began: async () => {
      await deps.graphqlUpfront?.(stage.context.account.id).release();
    },
  };
}

/** A chunk's steady requests: as packed to the ceiling learned so far, or as many as the chunks in rotation took in this run. */
function steadyChunkCost(deps: FetchDeps, stage: ZoneStage): number {
  const requestSize = stage.context.ceiling?.size() ?? Number.POSITIVE_INFINITY;
  const load = { zones: maxZonesPerQuery, zoneGroups: stage.zoneGroups, requestSize };
  const measured = stage.spent.chunks === 0 ? 0 : stage.spent.requests / stage.spent.chunks;
  return Math.max(measured, chunkRequests(load, deps.config.maxDatasetsPerRequest));
}
