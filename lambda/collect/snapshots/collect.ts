import { CloudflareApiError } from "../../cloudflare/errors.ts";
import { floorMinute } from "../../lib/time.ts";
import { readShards, type SeriesState, ShardConflictError, writeShard } from "../../store/shards.ts";
import type { AccountInfo, ZoneInfo } from "../discovery.ts";
import { describe, type FetchDeps, type FetchSummary } from "../fetch-account.ts";
import { accountLabel } from "../query-group.ts";
import { seriesKey } from "../series-key.ts";
import type { SnapshotGroup, SnapshotSample } from "../snapshot-group.ts";

/**
 * Refreshes each zone's REST snapshots (certificates, load-balancer weights) and the
 * account's (Cloudflare Tunnels) once they are older than SSL_CERTS_CACHE_TTL_SECONDS. A
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
  summary: FetchSummary,
): Promise<void> {
  if (deps.snapshots.length === 0) return;
  const now = floorMinute(deps.clock() / 1000);
  const work = deps.snapshots.map((group) => ({ group, targets: targetsOf(group, deps, account, zones) }));
  const stored = await readShards(
    deps.store,
    account.id,
    work.flatMap(({ group, targets }) =>
      targets.map((target) => ({ group: group.name, scopeId: target.id, index: 0 })),
    ),
  );
  for (const { group, targets } of work) {
    for (const target of targets) {
      const previous = stored.find((s) => s.group === group.name && s.scopeId === target.id);
      if (previous && now - previous.cursor < deps.config.sslCertsCacheTtlSeconds) continue;
      try {
        const samples = await target.read();
        const series: Record<string, SeriesState> = {};
        for (const sample of samples) {
          const key = seriesKey(sample.family, { ...sample.labels, [target.label.name]: target.label.value });
          series[key] = { v: sample.value, f: previous?.series[key]?.f ?? now, b: now, t: "g" };
        }
        summary.writeUnits += await writeShard(
          deps.store,
          account.id,
          {
            group: group.name,
            scopeId: target.id,
            index: 0,
            cursor: now,
            start: previous?.start ?? now,
            series,
            lostMinutes: 0,
            dropped: {},
            label: target.label.value,
            stored: true,
          },
          previous?.cursor,
        );
        summary.shardsWritten += 1;
        summary.seriesWritten += samples.length;
      } catch (error) {
        // Another run took this snapshot first: nothing is lost.
        if (error instanceof ShardConflictError) continue;
        if (
          error instanceof CloudflareApiError &&
          (error.kind === "rateLimited" || error.kind === "unauthorized")
        )
          throw error;
        summary.errors.push(describe(group.name, error, target.label.value));
      }
    }
  }
}
