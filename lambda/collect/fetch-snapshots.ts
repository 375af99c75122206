import { accountLabel } from "../catalogue/query-group.ts";
import { seriesKey } from "../catalogue/series-key.ts";
import type { SnapshotGroup, SnapshotSample } from "../catalogue/snapshot-group.ts";
import { stopsTheRun } from "../cloudflare/errors.ts";
import { floorMinute } from "../lib/time.ts";
import { readRuleNamesWait } from "../store/rule-names-wait.ts";
import {
  readShards,
  type SeriesState,
  type Shard,
  ShardConflictError,
  writeShards,
} from "../store/shards.ts";
import type { AccountInfo, ZoneInfo } from "./discovery.ts";
import { addCounts, describe, type FetchDeps, noCounts, type PhaseResult } from "./run-types.ts";

/** Whether firewall rule names wait for the REST budget somewhere: snapshots wait for them (rule-names-wait.ts). */
async function namesGoFirst(deps: FetchDeps, account: AccountInfo): Promise<boolean> {
  if ((await readRuleNamesWait(deps.store)) <= deps.clock()) return false;
  deps.logger.info("snapshots wait: firewall rule names are read first", { accountId: account.id });
  return true;
}

/**
 * Refreshes each zone's REST snapshots (certificates, load-balancer weights) and the
 * account's (Cloudflare Tunnels) once they are older than the snapshot refresh interval. A
 * snapshot is one shard whose cursor is the time it was taken; a new snapshot replaces the
 * series whole, and a failed one keeps the last.
 */
interface SnapshotTarget {
  id: string;
  /** The scope label's name and value (`zone="example.com"`, `account="acme"`). */
  label: { name: "zone" | "account"; value: string };
  read: () => Promise<SnapshotSample[]>;
}

function targetsOf(
  group: SnapshotGroup,
  deps: FetchDeps,
  account: AccountInfo,
  zones: readonly ZoneInfo[],
): SnapshotTarget[] {
  const context = { rest: deps.rest, accountId: account.id };
  if (group.scope === "account") {
    const value = accountLabel(account.name);
    return [{ id: account.id, label: { name: "account", value }, read: () => group.fetch(context) }];
  }
  return zones.map((zone) => ({
    id: zone.id,
    label: { name: "zone", value: zone.name },
    read: () => group.fetch({ ...context, zone }),
  }));
}

export async function collectSnapshots(
  deps: FetchDeps,
  account: AccountInfo,
  zones: readonly ZoneInfo[],
): Promise<PhaseResult> {
  let counts = noCounts();
  if (deps.snapshots.length === 0) return { counts };
  const now = floorMinute(deps.clock() / 1000);
  const due = await dueSnapshots(deps, account, zones, now);
  if (due.length === 0 || (await namesGoFirst(deps, account))) return { counts };
  for (const { group, target, previous } of due) {
    try {
      const written = await takeSnapshot(deps, account.id, group.name, target, previous, now);
      counts = addCounts(counts, { ...written, shardsWritten: 1 });
    } catch (error) {
      // Another run took this snapshot first: nothing is lost.
      if (error instanceof ShardConflictError) continue;
      if (stopsTheRun(error)) return { counts, stop: error };
      counts = addCounts(counts, { errors: [describe(group.name, error, target.label.value)] });
    }
  }
  return { counts };
}

/** The snapshots older than the refresh interval (or never taken), with the shard each replaces. */
async function dueSnapshots(deps: FetchDeps, account: AccountInfo, zones: readonly ZoneInfo[], now: number) {
  const work = deps.snapshots.map((group) => ({ group, targets: targetsOf(group, deps, account, zones) }));
  const stored = await readShards(
    deps.store,
    account.id,
    work.flatMap(({ group, targets }) =>
      targets.map((target) => ({ group: group.name, scopeId: target.id, index: 0 })),
    ),
  );
  return work.flatMap(({ group, targets }) =>
    targets.flatMap((target) => {
      const previous = stored.find((s) => s.group === group.name && s.scopeId === target.id);
      const fresh = previous && now - previous.cursor < deps.config.snapshotRefreshSeconds;
      return fresh ? [] : [{ group, target, previous }];
    }),
  );
}

async function takeSnapshot(
  deps: FetchDeps,
  accountId: string,
  groupName: string,
  target: SnapshotTarget,
  previous: Shard | undefined,
  now: number,
): Promise<{ writeUnits: number; seriesWritten: number }> {
  const samples = await target.read();
  const series: Record<string, SeriesState> = {};
  for (const sample of samples) {
    const key = seriesKey(sample.family, { ...sample.labels, [target.label.name]: target.label.value });
    series[key] = { v: sample.value, f: previous?.series[key]?.f ?? now, b: now, t: "g" };
  }
  const shard: Shard = {
    group: groupName,
    scopeId: target.id,
    index: 0,
    cursor: now,
    start: previous?.start ?? now,
    series,
    lostMinutes: 0,
    dropped: {},
    label: target.label.value,
    stored: true,
  };
  // A snapshot never taken is planned as an empty shard: its write's condition is "not there yet".
  const before: Shard = previous ?? { ...shard, series: {}, stored: false };
  let writeUnits = 0;
  await writeShards(deps.store, accountId, [{ previous: before, next: shard }], (write) => {
    writeUnits += write.writeUnits;
  });
  // For the push: each gauge is new at the snapshot's time (the shard before had none newer).
  deps.onShardWritten?.({
    before,
    after: shard,
    samples: new Map(),
    from: 0,
    shardCount: 1,
  });
  return { writeUnits, seriesWritten: samples.length };
}
