import { seriesCount } from "../store/series-facts.ts";
import {
  readShards,
  type Shard,
  ShardConflictError,
  type ShardUpdate,
  writeShards,
} from "../store/shards.ts";
import { advanceShard, type SamplesByMinute } from "./accumulate.ts";
import type { Plan } from "./plan.ts";
import type { FetchDeps, RunCounts, Target } from "./run-types.ts";

/**
 * The write phase: every shard of a target advanced to its group's `to` (pure,
 * `advanceShard`) and stored with one conditional write per slice (all groups' shards
 * with one index), each only if the cursors it read are still there. Returns what it wrote.
 */
const maxConflictRetries = 5;

type WriteCounts = Pick<
  RunCounts,
  "writeUnits" | "shardsWritten" | "seriesWritten" | "lostMinutes" | "minutesCounted"
>;

/** One group's samples for a target, and the range they cover. */
export interface TargetWork {
  plan: Plan;
  samples: SamplesByMinute;
  range: { from: number; to: number };
}

type PlannedUpdate = ShardUpdate & { plan: Plan; position: number; work: TargetWork };

export async function writeTarget(
  deps: FetchDeps,
  accountId: string,
  target: Target,
  work: readonly TargetWork[],
): Promise<{ counts: WriteCounts; stop?: unknown }> {
  const counts: WriteCounts = {
    writeUnits: 0,
    shardsWritten: 0,
    seriesWritten: 0,
    lostMinutes: 0,
    minutesCounted: 0,
  };
  const advancedFrom = new Map<Plan, number>();
  try {
    for (let attempt = 0; ; attempt++) {
      const updates = plannedUpdates(deps, target, work);
      if (updates.length === 0) break;
      try {
        await writeShards(deps.store, accountId, updates, (write) => {
          counts.writeUnits += write.writeUnits;
          for (const shard of write.shards) {
            const update = updates.find((u) => u.next.group === shard.group && u.next.index === shard.index);
            if (!update) continue;
            recordWrite(deps, accountId, counts, update, shard);
            const { plan, position, previous } = update;
            advancedFrom.set(plan, Math.min(advancedFrom.get(plan) ?? previous.cursor, previous.cursor));
            const shards = plan.shards.get(target.id);
            if (shards) shards[position] = shard;
          }
        });
        break;
      } catch (error) {
        if (!(error instanceof ShardConflictError) || attempt === maxConflictRetries) throw error;
        // Another run stored first: continue from what it stored.
        await rereadShards(deps, accountId, target, work, error);
      }
    }
  } catch (error) {
    // What was stored before the failure stays counted.
    return { counts: withMinutes(counts, work, advancedFrom), stop: error };
  }
  return { counts: withMinutes(counts, work, advancedFrom) };
}

/** MAX_SERIES_PER_FAMILY, or the group's own lower cap, spread over its shards. */
function seriesCapPerShard(group: Plan["group"], maxSeriesPerFamily: number): number {
  return Math.ceil(Math.min(maxSeriesPerFamily, group.seriesCap ?? Number.POSITIVE_INFINITY) / group.shards);
}

function plannedUpdates(deps: FetchDeps, target: Target, work: readonly TargetWork[]): PlannedUpdate[] {
  const updates: PlannedUpdate[] = [];
  for (const { plan, samples, range } of work) {
    const options = {
      ...range,
      shardCount: plan.group.shards,
      idleExpirySeconds: deps.config.seriesIdleExpirySeconds,
      maxSeriesPerFamily: seriesCapPerShard(plan.group, deps.config.maxSeriesPerFamily),
    };
    for (const [position, previous] of (plan.shards.get(target.id) ?? []).entries()) {
      const next = advanceShard(previous, samples, options);
      // A shard never stored is stored even unmoved: a waiting group keeps its start so.
      if (next !== previous || !previous.stored)
        updates.push({
          plan,
          position,
          previous,
          next: { ...next, label: target.label.value },
          work: { plan, samples, range },
        });
    }
  }
  return updates;
}

async function rereadShards(
  deps: FetchDeps,
  accountId: string,
  target: Target,
  work: readonly TargetWork[],
  conflict: ShardConflictError,
): Promise<void> {
  const wanted = work.flatMap(({ plan }) => plan.shards.get(target.id) ?? []);
  const fresh = await readShards(deps.store, accountId, wanted, { consistent: true });
  for (const { plan } of work) {
    const shards = plan.shards.get(target.id) ?? [];
    for (const [position, shard] of shards.entries()) {
      const stored = fresh.find((s) => s.group === shard.group && s.index === shard.index);
      if (stored) shards[position] = stored;
      else if (shard.stored) throw conflict;
    }
  }
}

function withMinutes(
  counts: WriteCounts,
  work: readonly TargetWork[],
  advancedFrom: ReadonlyMap<Plan, number>,
): WriteCounts {
  let minutesCounted = 0;
  for (const { plan, range } of work) {
    const from = advancedFrom.get(plan);
    if (from !== undefined) minutesCounted += (range.to - Math.max(from, range.from)) / 60;
  }
  return { ...counts, minutesCounted };
}

function recordWrite(
  deps: FetchDeps,
  accountId: string,
  counts: WriteCounts,
  update: PlannedUpdate,
  shard: Shard,
): void {
  const { previous, plan, work } = update;
  // For the push: the shard before and after, and the samples the write applied.
  deps.onShardWritten?.({
    before: previous,
    after: shard,
    samples: work.samples,
    from: work.range.from,
    shardCount: plan.group.shards,
  });
  counts.shardsWritten += 1;
  counts.seriesWritten += seriesCount(shard.series);
  const lost = shard.lostMinutes - previous.lostMinutes;
  if (lost <= 0) return;
  counts.lostMinutes += lost;
  deps.logger.warn("minutes older than Cloudflare's lookback were skipped: they can no longer be fetched", {
    accountId,
    query: plan.group.name,
    zone: previous.scopeId,
    lostMinutes: lost,
    from: previous.cursor,
    to: plan.oldest.get(previous.scopeId) ?? 0,
  });
}
