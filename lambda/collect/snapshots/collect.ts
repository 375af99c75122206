import { CloudflareApiError } from "../../cloudflare/errors.ts";
import { floorMinute } from "../../lib/time.ts";
import {
  readShards,
  type SeriesState,
  type Shard,
  ShardConflictError,
  writeShards,
} from "../../store/shards.ts";
import type { AccountInfo, ZoneInfo } from "../discovery.ts";
import { describe, type FetchDeps, type FetchSummary } from "../fetch-account.ts";
import { seriesKey } from "../series-key.ts";

/**
 * Refreshes each zone's REST snapshots (certificates, load-balancer weights) once they are
 * older than SSL_CERTS_CACHE_TTL_SECONDS. A snapshot is one shard whose cursor is the time
 * it was taken; a new snapshot replaces the series whole, and a failed one keeps the last.
 */
export async function collectSnapshots(
  deps: FetchDeps,
  account: AccountInfo,
  zones: readonly ZoneInfo[],
  summary: FetchSummary,
): Promise<void> {
  if (deps.snapshots.length === 0 || zones.length === 0) return;
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
      if (previous && now - previous.cursor < deps.config.sslCertsCacheTtlSeconds) continue;
      try {
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
        const planned: Shard = previous ?? { ...next, series: {}, stored: false };
        await writeShards(deps.store, account.id, [{ previous: planned, next }], (write) => {
          summary.writeUnits += write.writeUnits;
        });
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
        summary.errors.push(describe(group.name, error, zone.name));
      }
    }
  }
}
