import type { AnyQueryGroup } from "../catalogue/query-group.ts";
import type { CloudflareApiError } from "../cloudflare/errors.ts";
import { readShards } from "../store/shards.ts";
import { type LabelPolicy, samplesByMinute } from "./accumulate.ts";
import type { AccountInfo } from "./discovery.ts";
import { type Fetched, fetchChunks, keyOf, plannedRequests } from "./fetch-chunks.ts";
import type { AccountCeiling } from "./fetch-within-ceiling.ts";
import type { ChunkEntry, ChunkResult } from "./first-cycle.ts";
import { cursorOf, eligibleTargets, notBegun, type Plan, planOf, shardRefs } from "./plan.ts";
import {
  addCounts,
  type FetchDeps,
  type FetchError,
  noCounts,
  type PhaseResult,
  type RunCounts,
  type Target,
} from "./run-types.ts";
import { countableEnd } from "./windows.ts";
import { type TargetWork, writeTarget } from "./write-shards.ts";

export type { Target } from "./run-types.ts";

/**
 * Counts, for up to ten zones (or one account) and every query group at once, each settled
 * minute after each shard's cursor. All groups' pieces of the same round go in one request,
 * so a steady minute for ten zones is one GraphQL request whatever the number of groups.
 * One way through: plan (pure) → fetch (I/O) → apply (pure) → write (I/O).
 */
export interface ChunkContext {
  account: AccountInfo;
  /** Whether Cloudflare refused this group for this target recently (so it is not asked now). */
  isUnavailable(group: AnyQueryGroup, target: Target): boolean;
  /** Remembers a refusal that names this target. */
  markUnavailable(group: AnyQueryGroup, target: Target, error: CloudflareApiError): void;
  /**
   * Whether this group waits for this target (its rule names are not read yet): it is not
   * fetched, and its shards, never stored, are stored unmoved, so its counting starts at
   * the zone's start whenever it can begin.
   */
  isWaiting?(group: AnyQueryGroup, target: Target): boolean;
  policyFor(target: Target): LabelPolicy;
  /** The account's learned per-request ceiling (none: requests are packed by count only). */
  ceiling?: AccountCeiling;
}

/** A chunk read and planned, before its fetch. */
interface PlannedChunk {
  plans: Plan[];
  end: number;
  /** `group|target` keys that wait for their rule names (not fetched, stored unmoved). */
  waiting: ReadonlySet<string>;
  counts: RunCounts;
}

export async function collectChunk(
  deps: FetchDeps,
  context: ChunkContext,
  targets: readonly Target[],
  groups: readonly AnyQueryGroup[],
  entry?: ChunkEntry,
): Promise<ChunkResult> {
  const prepared = await prepareChunk(deps, context, targets, groups, entry);
  if ("result" in prepared) return prepared.result;
  const [fetched] = await fetchChunks(deps, [prepared.chunk], context.ceiling);
  return fetched ? finishChunk(deps, context, prepared.chunk, fetched) : { counts: prepared.chunk.counts };
}

/**
 * Several chunks (zones in rotation) as collectChunk collects them one after another, their
 * requests sent a few at a time (fetch-in-waves.ts): read and planned in order, fetched
 * together, then applied and written in order. The results are those of the chunks the
 * sequential collection reaches: up to the first that stops (its own what it fetched
 * before); those after it are not written.
 */
export async function collectChunks(
  deps: FetchDeps,
  context: ChunkContext,
  chunks: readonly (readonly Target[])[],
  groups: readonly AnyQueryGroup[],
  entry?: ChunkEntry,
): Promise<ChunkResult[]> {
  const prepared: (PlannedChunk | ChunkResult)[] = [];
  for (const chunk of chunks) {
    const one = await prepareChunk(deps, context, chunk, groups, entry);
    prepared.push("result" in one ? one.result : one.chunk);
    if ("result" in one && one.result.stop !== undefined) break;
  }
  const planned = prepared.filter((one): one is PlannedChunk => "plans" in one);
  const fetched = await fetchChunks(deps, planned, context.ceiling);
  const results: ChunkResult[] = [];
  for (const one of prepared) {
    if (!("plans" in one)) {
      results.push(one);
      continue;
    }
    const own = fetched[planned.indexOf(one)];
    if (!own) break;
    const result = await finishChunk(deps, context, one, own);
    results.push(result);
    if (result.stop !== undefined) break;
  }
  return results;
}

/** Read the shards and plan; a result instead when the chunk waits to begin or its read failed. */
async function prepareChunk(
  deps: FetchDeps,
  context: ChunkContext,
  targets: readonly Target[],
  groups: readonly AnyQueryGroup[],
  entry?: ChunkEntry,
): Promise<{ chunk: PlannedChunk } | { result: ChunkResult }> {
  const now = deps.clock() / 1000;
  const end = countableEnd(now, deps.config.scrapeDelaySeconds, deps.config.timeWindowSeconds);
  const eligible = eligibleTargets(groups, targets, context.isUnavailable);
  const withoutDataset = groups.reduce(
    (n, group) => n + targets.length - (eligible.get(group)?.length ?? 0),
    0,
  );
  const counts = addCounts(noCounts(), { zonesWithoutDataset: withoutDataset });
  let plans: Plan[];
  try {
    const stored = await readShards(deps.store, context.account.id, shardRefs(eligible));
    const since = entry?.since ?? now;
    plans = groups.map((group) =>
      planOf(group, eligible.get(group) ?? [], stored, now, end, deps.config, since),
    );
    if (entry && notBegun(plans)) {
      const planned = plannedRequests(plans, end, context.ceiling?.size(), deps.config.maxDatasetsPerRequest);
      if (!(await entry.mayBegin(planned))) return { result: { counts, waits: true } };
    }
  } catch (error) {
    return { result: { counts, stop: error } };
  }
  const waiting = new Set(
    plans.flatMap((plan) =>
      plan.targets.filter((t) => context.isWaiting?.(plan.group, t)).map((t) => keyOf(plan, t)),
    ),
  );
  return { chunk: { plans, end, waiting, counts } };
}

/** Apply (pure) and write what a chunk fetched. */
async function finishChunk(
  deps: FetchDeps,
  context: ChunkContext,
  chunk: PlannedChunk,
  fetched: Fetched,
): Promise<ChunkResult> {
  const { plans, waiting } = chunk;
  const counts = addCounts(chunk.counts, {
    datasetsRefused: rememberRefusals(context, plans, fetched.failed),
    errors: failureErrors(plans, fetched.failed),
  });
  // What was fetched before a failure is still counted: each shard moves only as far as its rows reach.
  const written = await applyAndWrite(deps, context, plans, fetched, waiting);
  return { counts: addCounts(counts, written.counts), stop: written.stop ?? fetched.stop };
}

/**
 * A refusal (plan, entitlement, permission) is remembered, not an error: it is how
 * Cloudflare says "not for this zone", and asking again every minute would not change it.
 */
function rememberRefusals(
  context: ChunkContext,
  plans: readonly Plan[],
  failed: ReadonlyMap<string, CloudflareApiError>,
): number {
  let refused = 0;
  for (const plan of plans) {
    for (const target of plan.targets) {
      const error = failed.get(keyOf(plan, target));
      if (error?.kind !== "forbidden") continue;
      context.markUnavailable(plan.group, target, error);
      refused += 1;
    }
  }
  return refused;
}

/** One error entry per distinct failure, naming every group and zone it hit (not one per pair). */
function failureErrors(
  plans: readonly Plan[],
  failed: ReadonlyMap<string, CloudflareApiError>,
): FetchError[] {
  const byError = new Map<CloudflareApiError, { groups: Set<string>; scopes: Set<string> }>();
  for (const plan of plans) {
    for (const target of plan.targets) {
      const error = failed.get(keyOf(plan, target));
      if (!error || error.kind === "forbidden") continue;
      const entry = byError.get(error) ?? { groups: new Set(), scopes: new Set() };
      entry.groups.add(plan.group.name);
      entry.scopes.add(target.label.value);
      byError.set(error, entry);
    }
  }
  return [...byError].map(([error, { groups, scopes }]) => ({
    query: [...groups].join(","),
    zone: [...scopes].join(","),
    kind: error.kind,
    ...(error.code ? { code: error.code } : {}),
    message: error.message,
  }));
}

/** Apply (pure: rows → samples per minute) then write each target's shards, all groups at once. */
async function applyAndWrite(
  deps: FetchDeps,
  context: ChunkContext,
  plans: readonly Plan[],
  fetched: Fetched,
  waiting: ReadonlySet<string>,
): Promise<PhaseResult> {
  let counts = noCounts();
  const targets = new Map(plans.flatMap((plan) => plan.targets.map((t) => [t.id, t] as const)));
  for (const target of [...targets.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    const work: TargetWork[] = [];
    for (const plan of plans) {
      if (!plan.targets.includes(target)) continue;
      if (waiting.has(keyOf(plan, target))) {
        // Unmoved: stored once (its start kept), then left alone until it can be fetched.
        const to = cursorOf(plan, target);
        work.push({ plan, samples: new Map(), range: { from: to, to } });
        continue;
      }
      const to = fetched.until.get(keyOf(plan, target));
      if (to === undefined) continue;
      const rows = fetched.rows.get(keyOf(plan, target)) ?? [];
      const samples = samplesByMinute(plan.group, rows, target.label, context.policyFor(target));
      work.push({ plan, samples, range: { from: plan.oldest.get(target.id) ?? 0, to } });
    }
    if (work.length === 0) continue;
    const written = await writeTarget(deps, context.account.id, target, work);
    counts = addCounts(counts, written.counts);
    if (written.stop !== undefined) return { counts, stop: written.stop };
  }
  for (const plan of plans)
    for (const target of plan.targets) counts = addCounts(counts, { oldestCursor: cursorOf(plan, target) });
  return { counts };
}
