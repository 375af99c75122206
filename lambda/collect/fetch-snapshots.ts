import { seriesKey } from "../catalogue/series-key.ts";
import type { SnapshotGroup } from "../catalogue/snapshot-group.ts";
import { stopsTheRun } from "../cloudflare/errors.ts";
import { floorMinute } from "../lib/time.ts";
import {
  readShards,
  type SeriesState,
  type Shard,
  ShardConflictError,
  writeShards,
} from "../store/shards.ts";
import type { AccountInfo, ZoneInfo } from "./discovery.ts";
import { addCounts, describe, type FetchDeps, noCounts, type PhaseResult } from "./run-types.ts";

/**
 * Refreshes each zone's REST snapshots (certificates, load-balancer weights) once they are
 * older than the snapshot refresh interval. A snapshot is one shard whose cursor is the time
 * it was taken; a new snapshot replaces the series whole, and a failed one keeps the last.
 */
export async function collectSnapshots(
  deps: FetchDeps,
  account: AccountInfo,
  zones: readonly ZoneInfo[],
): Promise<PhaseResult> {
  let counts = noCounts();
  if (deps.snapshots.length === 0 || zones.length === 0) return { counts };
  const now = floorMinute(deps.clock() / 1000);
  const stored = await readShards(
    deps.store,
    account.id,
    deps.snapshots.flatMap((group) =>
      zones.map((zone) => ({ group: group.name, scopeId: zone.id, index: 0 })),
    ),
  );
  for (const group of deps.snapshots) {
    for (const zone of zones) {
      const previous = stored.find((s) => s.group === group.name && s.scopeId === zone.id);
      if (previous && now - previous.cursor < deps.config.snapshotRefreshSeconds) continue;
      try {
        const written = await takeSnapshot(deps, account, zone, group, previous, now);
        counts = addCounts(counts, { ...written, shardsWritten: 1 });
      } catch (error) {
        // Another run took this snapshot first: nothing is lost.
        if (error instanceof ShardConflictError) continue;
        if (stopsTheRun(error)) return { counts, stop: error };
        counts = addCounts(counts, { errors: [describe(group.name, error, zone.name)] });
      }
    }
  }
  return { counts };
}

async function takeSnapshot(
  deps: FetchDeps,
  account: AccountInfo,
  zone: ZoneInfo,
  group: SnapshotGroup,
  previous: Shard | undefined,
  now: number,
): Promise<{ writeUnits: number; seriesWritten: number }> {
  const samples = await group.fetch({ rest: deps.rest, accountId: account.id, zone });
  const series: Record<string, SeriesState> = {};
  for (const sample of samples) {
    const key = seriesKey(sample.family, { ...sample.labels, zone: zone.name });
    series[key] = { v: sample.value, f: previous?.series[key]?.f ?? now, b: now, t: "g" };
  }
  const next: Shard = {
    group: group.name,
    scopeId: zone.id,
    index: 0,
    cursor: now,
    start: previous?.start ?? now,
    series,
    lostMinutes: 0,
    dropped: {},
    label: zone.name,
    stored: true,
  };
  // A snapshot never taken is planned as an empty shard: its write's condition is "not there yet".
  const planned: Shard = previous ?? { ...next, series: {}, stored: false };
  let writeUnits = 0;
  await writeShards(deps.store, account.id, [{ previous: planned, next }], (write) => {
    writeUnits += write.writeUnits;
  });
  return { writeUnits, seriesWritten: samples.length };
}
