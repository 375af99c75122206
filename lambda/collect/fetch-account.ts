import { randomUUID } from "node:crypto";
import { CloudflareApiError } from "../cloudflare/errors.ts";
import {
  acquireLease,
  readGraphqlBlock,
  recordRun,
  releaseLease,
  writeGraphqlBlock,
} from "../store/items.ts";
import { Availability } from "./availability.ts";
import { collectChunk, type Target } from "./collect-chunk.ts";
import {
  type AccountInfo,
  type DiscoveryDeps,
  discoverAccountSettings,
  discoverZones,
  type ZoneInfo,
} from "./discovery.ts";
import { isFatal } from "./fetch-parts.ts";
import { AccountCeiling } from "./fetch-within-ceiling.ts";
import { maxZonesPerQuery } from "./limits.ts";
import { type AnyQueryGroup, accountLabel } from "./query-group.ts";
import { loadRuleNames } from "./rule-name-cache.ts";
import type { SnapshotGroup } from "./snapshot-group.ts";
import { collectSnapshots } from "./snapshots/collect.ts";
import { chunkDue } from "./widening.ts";
import { leaseIdOf, type WorkScope, zoneGroupsOf, zonesOfItem } from "./work-items.ts";

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
  snapshots: readonly SnapshotGroup[];
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
  /** Minutes newly counted, summed over query groups and zones (5 minutes of 3 groups of a zone count 15). */
  minutesCounted: number;
  shardsWritten: number;
  seriesWritten: number;
  writeUnits: number;
  lostMinutes: number;
  zonesCollected: number;
  zonesWithoutDataset: number;
  /** Datasets Cloudflare refused for a zone or account this run (remembered, not errors). */
  datasetsRefused: number;
  graphqlRequests: number;
  restRequests: number;
  /** Times Cloudflare answered "rate limited" during this run. */
  rateLimitEvents: number;
  /** Unix seconds: the oldest shard cursor among the account's zones after the run (how stale its data is). */
  oldestCursor?: number;
  errors: FetchError[];
}

const leaseMs = 55_000;

export async function fetchAccount(
  deps: FetchDeps,
  account: AccountInfo,
  scope?: WorkScope,
): Promise<FetchSummary> {
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
    datasetsRefused: 0,
    graphqlRequests: 0,
    restRequests: 0,
    rateLimitEvents: 0,
    errors: [],
  };
  const before = { ...deps.stats };
  const owner = randomUUID();
  const log = deps.logger.child({ accountId: account.id });
  // One lease per work item (work-items.ts): an account's zone slices run side by side.
  const leaseId = leaseIdOf(account.id, scope);
  if (!deps.withoutLease && !(await acquireLease(deps.store, leaseId, owner, deps.clock(), leaseMs))) {
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
    // Accounts listed as free tier get no zone GraphQL queries (as the reference does); their
    // account datasets and the zones' REST snapshots are still collected.
    const zoneGroups = zoneGroupsOf(deps.config, deps.groups, account.id);
    const accountGroups =
      scope?.accountStages === false ? [] : deps.groups.filter((group) => group.scope === "account");
    let zones: ZoneInfo[] = [];
    try {
      zones = zonesOfItem(
        await discoverZones(deps, account, [...new Set(zoneGroups.map((g) => g.dataset))]),
        scope,
      );
    } catch (error) {
      summary.errors.push(describe("discovery", error));
      await noteRateLimit(deps, error);
      if (error instanceof CloudflareApiError && isFatal(error)) return summary;
    }
    const availability = await Availability.load(deps.store, account.id, deps.clock());
    const ceiling = await AccountCeiling.load(
      deps.store,
      account.id,
      deps.clock(),
      deps.config.graphqlCeilingProbeSeconds * 1000,
    );
    const policy = {
      excludeHost: deps.config.excludeHost,
      httpStatusGroup: deps.config.httpStatusGroup,
    };
    const ruleNames = await loadRuleNames(deps, account, zoneGroups, zones);
    const context = {
      account,
      summary,
      isUnavailable: (group: AnyQueryGroup, target: Target) =>
        availability.isUnavailable(group.name, target.id),
      markUnavailable: (group: AnyQueryGroup, target: Target, error: CloudflareApiError) => {
        availability.mark(group.name, target.id, deps.config.unavailableRetrySeconds, error.message);
        log.warn("Cloudflare refused a dataset for this zone or account; it is left alone for a while", {
          query: group.name,
          scope: target.label.value,
          retrySeconds: deps.config.unavailableRetrySeconds,
          reason: error.message,
        });
      },
      policyFor: (target: Target) => ({ ...policy, ruleNames: ruleNames.get(target.id) ?? {} }),
      ceiling,
    };
    const zoneTargets: Target[] = zones.map((zone) => ({
      id: zone.id,
      label: { name: "zone", value: zone.name },
      settings: zone.settings,
    }));
    summary.zonesCollected = zones.filter((zone) =>
      zoneGroups.some((group) => zone.settings[group.dataset]?.enabled),
    ).length;
    // Each stage on its own: a failure in one (say, the account's settings) costs the
    // others nothing; only a rate limit or a rejected token stops the run.
    const stages: [string, () => Promise<void>][] = [
      [
        "zones",
        async () => {
          const first = Math.floor((scope?.zones?.[0] ?? 0) / maxZonesPerQuery);
          const minute =
            Math.floor(Date.parse(scope?.scheduledTime ?? "") / 60_000) || Math.floor(deps.clock() / 60_000);
          for (let i = 0; i < zoneTargets.length; i += maxZonesPerQuery) {
            // Widened collection (widening.ts): this chunk's turn comes every k minutes.
            if (!chunkDue(account.id, first + i / maxZonesPerQuery, minute, scope?.everyMinutes ?? 1))
              continue;
            await collectChunk(deps, context, zoneTargets.slice(i, i + maxZonesPerQuery), zoneGroups);
          }
        },
      ],
      [
        "account",
        async () => {
          if (accountGroups.length === 0) return;
          const settings = await discoverAccountSettings(deps, account, [
            ...new Set(accountGroups.map((g) => g.dataset)),
          ]);
          const label = { name: "account" as const, value: accountLabel(account.name) };
          await collectChunk(deps, context, [{ id: account.id, label, settings }], accountGroups);
        },
      ],
      ["snapshots", () => collectSnapshots(deps, account, zones, summary)],
    ];
    try {
      for (const [stage, run] of stages) {
        try {
          await run();
        } catch (error) {
          summary.errors.push(describe(stage, error));
          await noteRateLimit(deps, error);
          if (error instanceof CloudflareApiError && isFatal(error)) break;
        }
      }
    } finally {
      await availability.save();
      await ceiling.save();
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
    if (!deps.withoutLease) await releaseLease(deps.store, leaseId, owner);
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

export function describe(query: string, error: unknown, zone?: string): FetchError {
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
