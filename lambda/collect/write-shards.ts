import { readShards, type Shard, ShardConflictError, writeShard } from "../store/shards.ts";
import { advanceShard, type SamplesByMinute } from "./accumulate.ts";
import type { Plan } from "./plan.ts";
import type { FetchDeps, RunCounts, Target } from "./run-types.ts";

/**
 * The write phase: every shard of a target advanced to `to` (pure, `advanceShard`) and
 * stored, each write conditional on the cursor it read. Returns what it wrote.
 */
const maxConflictRetries = 5;

type WriteCounts = Pick<
  RunCounts,
  "writeUnits" | "shardsWritten" | "seriesWritten" | "lostMinutes" | "minutesCounted"
>;

export async function writeTarget(
  deps: FetchDeps,
  accountId: string,
  plan: Plan,
  target: Target,
  samples: SamplesByMinute,
  range: { from: number; to: number },
): Promise<{ counts: WriteCounts; stop?: unknown }> {
  const counts: WriteCounts = {
    writeUnits: 0,
    shardsWritten: 0,
    seriesWritten: 0,
    lostMinutes: 0,
    minutesCounted: 0,
  };
  const shards = plan.shards.get(target.id) ?? [];
  let advancedFrom: number | undefined;
  for (const [position, original] of shards.entries()) {
    let written: Awaited<ReturnType<typeof writeOneShard>>;
    try {
      written = await writeOneShard(deps, accountId, plan, target, original, samples, range);
    } catch (error) {
      // What was stored before the failure stays counted.
      return { counts, stop: error };
    }
    if (!written) continue;
    counts.writeUnits += written.writeUnits;
    counts.shardsWritten += 1;
    counts.seriesWritten += Object.keys(written.next.series).length;
    counts.lostMinutes += written.lost;
    advancedFrom = Math.min(advancedFrom ?? written.from, written.from);
    shards[position] = { ...written.next, stored: true };
  }
  if (advancedFrom !== undefined)
    counts.minutesCounted = (range.to - Math.max(advancedFrom, range.from)) / 60;
  return { counts };
}

async function writeOneShard(
  deps: FetchDeps,
  accountId: string,
  plan: Plan,
  target: Target,
  original: Shard,
  samples: SamplesByMinute,
  range: { from: number; to: number },
): Promise<{ next: Shard; from: number; writeUnits: number; lost: number } | undefined> {
  const options = {
    ...range,
    shardCount: plan.group.shards,
    idleExpirySeconds: deps.config.seriesIdleExpirySeconds,
    maxSeriesPerFamily: Math.ceil(deps.config.maxSeriesPerFamily / plan.group.shards),
  };
  let current = original;
  for (let attempt = 0; attempt <= maxConflictRetries; attempt++) {
    const next = advanceShard(current, samples, options);
    if (next === current) return undefined;
    try {
      const writeUnits = await writeShard(
        deps.store,
        accountId,
        { ...next, label: target.label.value, stored: true },
        current.stored ? current.cursor : undefined,
      );
      const lost = next.lostMinutes - current.lostMinutes;
      if (lost > 0) {
        deps.logger.warn(
          "minutes older than Cloudflare's lookback were skipped: they can no longer be fetched",
          {
            accountId,
            query: plan.group.name,
            zone: current.scopeId,
            lostMinutes: lost,
            from: current.cursor,
            to: range.from,
          },
        );
      }
      deps.onShardWritten?.({
        before: current,
        after: next,
        samples,
        from: range.from,
        shardCount: plan.group.shards,
      });
      return { next, from: current.cursor, writeUnits, lost: Math.max(0, lost) };
    } catch (error) {
      if (!(error instanceof ShardConflictError) || attempt === maxConflictRetries) throw error;
      // Another run stored this shard first: continue from what it stored.
      const [fresh] = await readShards(deps.store, accountId, [current]);
      if (!fresh) throw error;
      current = fresh;
    }
  }
  return undefined;
}
