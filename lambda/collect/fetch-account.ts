import { randomUUID } from "node:crypto";
import { z } from "zod";
import { CloudflareApiError } from "../cloudflare/errors.ts";
import { toIsoSeconds } from "../lib/time.ts";
import {
  acquireLease,
  readGraphqlBlock,
  recordRun,
  releaseLease,
  writeGraphqlBlock,
} from "../store/items.ts";
import { readShards, type Shard, ShardConflictError, writeShard } from "../store/shards.ts";
import { advanceShard, type SamplesByMinute, samplesByMinute } from "./accumulate.ts";
import { type AccountInfo, type DiscoveryDeps, discoverZones, type ZoneInfo } from "./discovery.ts";
import { maxZonesPerQuery } from "./limits.ts";
import type { AnyQueryGroup } from "./query-group.ts";
import { countableEnd, halve, initialStart, oldestQueryable, splitRange } from "./windows.ts";

/**
 * One fetcher run for one account: for every query group and zone, count every settled
 * minute after the zone's cursor, exactly once. A zone or group that fails keeps its
 * cursor and is retried by the next run; the others go on.
 */
export interface ApiStats {
  graphqlRequests: number;
  restRequests: number;
  rateLimitEvents: number;
}

export interface FetchDeps extends DiscoveryDeps {
  groups: readonly AnyQueryGroup[];
  stats: ApiStats;
  /** Skip the lease (tests that make two runs race on purpose). */
  withoutLease?: boolean;
}

export interface FetchError {
  query: string;
  zone?: string;
  kind: string;
  code?: string;
  message: string;
}

export interface FetchSummary {
  accountId: string;
  accountName: string;
  skipped?: string;
  /** Zone-minutes newly counted (a zone advanced by 5 minutes counts 5). */
  minutesCounted: number;
  shardsWritten: number;
  seriesWritten: number;
  writeUnits: number;
  lostMinutes: number;
  zonesCollected: number;
  zonesWithoutDataset: number;
  graphqlRequests: number;
  restRequests: number;
  /** Times Cloudflare answered "rate limited" during this run. */
  rateLimitEvents: number;
  /** Unix seconds: the oldest shard cursor among the account's zones after the run (how stale its data is). */
  oldestCursor?: number;
  errors: FetchError[];
}

const leaseMs = 55_000;
const maxConflictRetries = 5;

export async function fetchAccount(deps: FetchDeps, account: AccountInfo): Promise<FetchSummary> {
  const summary: FetchSummary = {
    accountId: account.id,
    accountName: account.name,
    minutesCounted: 0,
    shardsWritten: 0,
    seriesWritten: 0,
    writeUnits: 0,
    lostMinutes: 0,
    zonesCollected: 0,
    zonesWithoutDataset: 0,
    graphqlRequests: 0,
    restRequests: 0,
    rateLimitEvents: 0,
    errors: [],
  };
  const before = { ...deps.stats };
  const owner = randomUUID();
  const log = deps.logger.child({ accountId: account.id });
  if (!deps.withoutLease && !(await acquireLease(deps.store, account.id, owner, deps.clock(), leaseMs))) {
    log.info("another run holds this account's lease; skipping");
    return { ...summary, skipped: "lease held by another run" };
  }
  try {
    const blockedUntil = await readGraphqlBlock(deps.store);
    if (blockedUntil > deps.clock()) {
      log.info("Cloudflare's GraphQL budget is spent; this run waits", {
        until: new Date(blockedUntil).toISOString(),
      });
      summary.skipped = `GraphQL budget spent until ${new Date(blockedUntil).toISOString()}`;
      return summary;
    }
    // Accounts listed as free tier get no zone queries at all (as the reference does).
    const freeTier = deps.config.cfFreeTierAccounts.includes(account.id);
    const zoneGroups = freeTier ? [] : deps.groups.filter((group) => group.scope === "zone");
    let zones: ZoneInfo[] = [];
    try {
      zones = await discoverZones(deps, account, [...new Set(zoneGroups.map((g) => g.dataset))]);
    } catch (error) {
      summary.errors.push(describe("discovery", error));
      await noteRateLimit(deps, error);
    }
    for (const group of zoneGroups) {
      try {
        await collectZoneGroup(deps, account, zones, group, summary);
      } catch (error) {
        // Rate limits and rejected tokens stop the run; cursors stay where they were.
        summary.errors.push(describe(group.name, error));
        await noteRateLimit(deps, error);
        if (
          error instanceof CloudflareApiError &&
          (error.kind === "rateLimited" || error.kind === "unauthorized")
        )
          break;
      }
    }
  } finally {
    summary.graphqlRequests = deps.stats.graphqlRequests - before.graphqlRequests;
    summary.restRequests = deps.stats.restRequests - before.restRequests;
    summary.rateLimitEvents = deps.stats.rateLimitEvents - before.rateLimitEvents;
    const counts = new Map<string, number>();
    for (const error of summary.errors) {
      const label = error.code ? `${error.kind}:${error.code}` : error.kind;
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    const { errors, ...totals } = summary;
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
    if (!deps.withoutLease) await releaseLease(deps.store, account.id, owner);
  }
  for (const error of summary.errors) log.warn("collection error", { ...error });
  return summary;
}

/** When Cloudflare itself (not this run's own budget) says the GraphQL budget is spent, every fetcher holds off. */
async function noteRateLimit(deps: FetchDeps, error: unknown): Promise<void> {
  if (error instanceof CloudflareApiError && error.kind === "rateLimited" && error.status !== undefined) {
    await writeGraphqlBlock(deps.store, deps.clock() + (error.retryAfterSeconds ?? 300) * 1000);
  }
}

function describe(query: string, error: unknown, zone?: string): FetchError {
  if (error instanceof CloudflareApiError) {
    return {
      query,
      ...(zone ? { zone } : {}),
      kind: error.kind,
      ...(error.code ? { code: error.code } : {}),
      message: error.message,
    };
  }
  return {
    query,
    ...(zone ? { zone } : {}),
    kind: "internal",
    message: (error as Error).message ?? String(error),
  };
}

type PieceResult = Map<string, unknown[] | CloudflareApiError>;

async function collectZoneGroup(
  deps: FetchDeps,
  account: AccountInfo,
  zones: readonly ZoneInfo[],
  group: AnyQueryGroup,
  summary: FetchSummary,
): Promise<void> {
  const { config } = deps;
  const now = deps.clock() / 1000;
  const end = countableEnd(now, config.scrapeDelaySeconds, config.timeWindowSeconds);
  const eligible = zones.filter((zone) => zone.settings[group.dataset]?.enabled);
  summary.zonesWithoutDataset += zones.length - eligible.length;
  summary.zonesCollected += eligible.length;

  const indices = Array.from({ length: group.shards }, (_, i) => i);
  const stored = await readShards(
    deps.store,
    account.id,
    eligible.flatMap((zone) => indices.map((index) => ({ group: group.name, scopeId: zone.id, index }))),
  );
  const shards = new Map<string, Shard[]>();
  for (const zone of eligible) {
    const existing = stored.filter((shard) => shard.scopeId === zone.id);
    // A shard missing beside stored ones (a crash before its first write) starts where they did.
    const start =
      existing.length > 0
        ? Math.min(...existing.map((s) => s.start))
        : initialStart(now, config.scrapeDelaySeconds, config.initialLookbackSeconds);
    shards.set(
      zone.id,
      indices.map(
        (index) =>
          existing.find((s) => s.index === index) ?? {
            group: group.name,
            scopeId: zone.id,
            index,
            cursor: start,
            start,
            series: {},
            lostMinutes: 0,
            stored: false,
          },
      ),
    );
  }
  const cursorOf = (zone: ZoneInfo) => Math.min(...(shards.get(zone.id) ?? []).map((s) => s.cursor));

  try {
    for (let i = 0; i < eligible.length; i += maxZonesPerQuery) {
      const chunk = eligible.slice(i, i + maxZonesPerQuery).filter((zone) => cursorOf(zone) < end);
      if (chunk.length === 0) continue;
      const settings = chunk.map((zone) => zone.settings[group.dataset]).filter((s) => s !== undefined);
      const maxDuration = Math.min(...settings.map((s) => s.maxDuration));
      const limit = Math.min(config.queryLimit, ...settings.map((s) => s.maxPageSize || config.queryLimit));
      // Each zone starts at its cursor, or at the oldest minute its plan still answers for.
      const oldest = new Map(
        chunk.map((zone) => [zone.id, oldestQueryable(now, zone.settings[group.dataset]?.notOlderThan ?? 0)]),
      );
      const begin = new Map(
        chunk.map((zone) => [zone.id, Math.max(cursorOf(zone), oldest.get(zone.id) ?? 0)]),
      );
      // Pieces break where a zone starts, so a zone joins a query only from its own start on:
      // a query reaching further back than one zone's plan allows would be refused for all.
      const starts = [...new Set(begin.values())].filter((t) => t < end).sort((a, b) => a - b);
      const pieces = starts.flatMap((from, i) => splitRange(from, starts[i + 1] ?? end, maxDuration));

      const rows = new Map<string, unknown[]>(chunk.map((zone) => [zone.id, []]));
      const until = new Map<string, number>();
      const failed = new Set<string>();
      let abort: CloudflareApiError | undefined;
      for (const [pieceFrom, pieceTo] of pieces) {
        const active = chunk.filter(
          (zone) =>
            !failed.has(zone.id) && (begin.get(zone.id) ?? end) <= pieceFrom && cursorOf(zone) < pieceTo,
        );
        if (active.length === 0) continue;
        let result: PieceResult;
        try {
          result = await fetchPiece(deps, group, active, pieceFrom, pieceTo, limit);
        } catch (error) {
          abort =
            error instanceof CloudflareApiError ? error : new CloudflareApiError("transient", String(error));
          break;
        }
        for (const zone of active) {
          const answer = result.get(zone.id);
          if (answer instanceof CloudflareApiError || answer === undefined) {
            summary.errors.push(
              describe(
                group.name,
                answer ?? new CloudflareApiError("transient", "zone missing from the answer"),
                zone.name,
              ),
            );
            failed.add(zone.id);
            continue;
          }
          rows.get(zone.id)?.push(
            ...answer.filter((row) => {
              const minute = group.minuteOf(row);
              return minute >= pieceFrom && minute < pieceTo;
            }),
          );
          until.set(zone.id, pieceTo);
        }
      }

      for (const zone of chunk) {
        const to = until.get(zone.id);
        if (to === undefined) continue;
        const samples = samplesByMinute(group, rows.get(zone.id) ?? [], { name: "zone", value: zone.name });
        const from = oldest.get(zone.id) ?? 0;
        await applyToZone(deps, account, group, shards.get(zone.id) ?? [], samples, { from, to }, summary);
      }
      if (abort) throw abort;
    }
  } finally {
    // Whatever happened, the cursors now say how far this account's data reaches.
    for (const zone of eligible) {
      const cursor = cursorOf(zone);
      summary.oldestCursor = Math.min(summary.oldestCursor ?? cursor, cursor);
    }
  }
}

/**
 * Fetches [from, to) for `zones`, splitting where Cloudflare's answer could be incomplete:
 * a result that reaches `limit` is fetched again in halves (by time, then by zone), and a
 * query refused because of one zone is repeated without it.
 */
async function fetchPiece(
  deps: FetchDeps,
  group: AnyQueryGroup,
  zones: readonly ZoneInfo[],
  from: number,
  to: number,
  limit: number,
): Promise<PieceResult> {
  const out: PieceResult = new Map();
  const schema = z.object({
    viewer: z.object({ zones: z.array(z.object({ zoneTag: z.string(), rows: z.array(group.rowSchema) })) }),
  });
  let data: z.output<typeof schema>;
  try {
    data = await deps.graphql.query(
      group.document,
      { zoneTags: zones.map((zone) => zone.id), from: toIsoSeconds(from), to: toIsoSeconds(to), limit },
      schema,
    );
  } catch (error) {
    if (
      !(error instanceof CloudflareApiError) ||
      error.kind === "rateLimited" ||
      error.kind === "unauthorized"
    )
      throw error;
    if (zones.length > 1 && (error.kind === "forbidden" || error.kind === "badRequest")) {
      const culprit = error.zoneIndex === undefined ? undefined : zones[error.zoneIndex];
      if (culprit) {
        out.set(culprit.id, error);
        merge(
          out,
          await fetchPiece(
            deps,
            group,
            zones.filter((zone) => zone !== culprit),
            from,
            to,
            limit,
          ),
        );
      } else {
        for (const zone of zones) merge(out, await fetchPiece(deps, group, [zone], from, to, limit));
      }
      return out;
    }
    for (const zone of zones) out.set(zone.id, error);
    return out;
  }
  if (data.viewer.zones.some((zone) => zone.rows.length >= limit)) {
    if (to - from > 60) {
      const [first, second] = halve(from, to);
      const a = await fetchPiece(deps, group, zones, first[0], first[1], limit);
      const b = await fetchPiece(deps, group, zones, second[0], second[1], limit);
      for (const zone of zones) {
        const x = a.get(zone.id);
        const y = b.get(zone.id);
        out.set(
          zone.id,
          x instanceof CloudflareApiError
            ? x
            : y instanceof CloudflareApiError
              ? y
              : [...(x ?? []), ...(y ?? [])],
        );
      }
    } else if (zones.length > 1) {
      for (const zone of zones) merge(out, await fetchPiece(deps, group, [zone], from, to, limit));
    } else {
      for (const zone of zones) {
        out.set(
          zone.id,
          new CloudflareApiError("badRequest", `more than ${limit} rows in one minute; raise QUERY_LIMIT`),
        );
      }
    }
    return out;
  }
  for (const zone of zones) {
    const answer = data.viewer.zones.find((z) => z.zoneTag === zone.id);
    out.set(
      zone.id,
      answer ? answer.rows : new CloudflareApiError("transient", "zone missing from the answer"),
    );
  }
  return out;
}

function merge(into: PieceResult, from: PieceResult): void {
  for (const [key, value] of from) into.set(key, value);
}

/** Stores every shard of a zone advanced to `to`, each write conditional on the cursor it read. */
async function applyToZone(
  deps: FetchDeps,
  account: AccountInfo,
  group: AnyQueryGroup,
  shards: Shard[],
  samples: SamplesByMinute,
  range: { from: number; to: number },
  summary: FetchSummary,
): Promise<void> {
  const options = {
    ...range,
    shardCount: group.shards,
    idleExpirySeconds: deps.config.seriesIdleExpirySeconds,
  };
  let advancedFrom: number | undefined;
  for (const [position, original] of shards.entries()) {
    let current = original;
    for (let attempt = 0; attempt <= maxConflictRetries; attempt++) {
      const next = advanceShard(current, samples, options);
      if (next === current) break;
      try {
        summary.writeUnits += await writeShard(
          deps.store,
          account.id,
          { ...next, stored: true },
          current.stored ? current.cursor : undefined,
        );
        summary.shardsWritten += 1;
        summary.seriesWritten += Object.keys(next.series).length;
        const lost = next.lostMinutes - current.lostMinutes;
        if (lost > 0) {
          summary.lostMinutes += lost;
          deps.logger.warn(
            "minutes older than Cloudflare's lookback were skipped: they can no longer be fetched",
            {
              accountId: account.id,
              query: group.name,
              zone: current.scopeId,
              lostMinutes: lost,
              from: current.cursor,
              to: range.from,
            },
          );
        }
        advancedFrom = Math.min(advancedFrom ?? current.cursor, current.cursor);
        shards[position] = { ...next, stored: true };
        break;
      } catch (error) {
        if (!(error instanceof ShardConflictError) || attempt === maxConflictRetries) throw error;
        // Another run stored this shard first: continue from what it stored.
        const [fresh] = await readShards(deps.store, account.id, [current]);
        if (!fresh) throw error;
        current = fresh;
      }
    }
  }
  if (advancedFrom !== undefined)
    summary.minutesCounted += (range.to - Math.max(advancedFrom, range.from)) / 60;
}
