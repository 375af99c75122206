import { type AnyQueryGroup, accountLabel } from "../../lambda/catalogue/query-group.ts";
import type { DatasetSettings } from "../../lambda/cloudflare/schemas.ts";
import { type SamplesByMinute, type ScopeLabels, samplesByMinute } from "../../lambda/collect/accumulate.ts";
import {
  type AccountInfo,
  discoverAccountSettings,
  discoverAccounts,
  discoverZones,
} from "../../lambda/collect/discovery.ts";
import type { FetchDeps } from "../../lambda/collect/fetch-account.ts";
import { fetchParts } from "../../lambda/collect/fetch-parts.ts";
import { maxZonesPerQuery } from "../../lambda/collect/limits.ts";
import { oldestQueryable, splitRange } from "../../lambda/collect/windows.ts";

/**
 * The backfill's collection: the same query groups, requests and row mapping as the
 * fetcher, over a range chosen by the operator, all minutes kept apart. It writes nothing
 * anywhere but its answer; the rate limiter of the GraphQL client keeps it within budget.
 */
export class BackfillError extends Error {}

interface Target {
  id: string;
  label: ScopeLabels;
  settings: Readonly<Record<string, DatasetSettings>>;
}

export interface BackfillOptions {
  from: number;
  to: number;
  groups: readonly AnyQueryGroup[];
  /** Zone names or IDs; empty: every zone. */
  zones: readonly string[];
  progress?: (done: number, total: number) => void;
}

export async function backfillSamples(
  deps: FetchDeps,
  options: BackfillOptions,
): Promise<{ minutes: SamplesByMinute; targets: number }> {
  const work = await plan(deps, options);
  const minutes: SamplesByMinute = new Map();
  const policy = { excludeHost: deps.config.excludeHost, httpStatusGroup: deps.config.httpStatusGroup };
  const total = work.reduce((sum, w) => sum + w.pieces.length, 0);
  let done = 0;
  options.progress?.(done, total);
  for (const { account, group, targets, pieces, limit } of work) {
    // The account's client, as the fetcher's: under account-based rate limiting it asks for
    // it, spends the account's budget, and the request builder nests the zones in the account.
    const graphql = deps.graphql.forAccount(account);
    for (const [from, to] of pieces) {
      const [outcome] = await fetchParts(graphql, [
        { group, scopeIds: targets.map((t) => t.id), from, to, limit },
      ]);
      for (const target of targets) {
        const rows = outcome?.get(target.id);
        if (!Array.isArray(rows))
          throw new BackfillError(
            `${group.name} for ${target.label.value} failed: ${rows?.message ?? "missing from the answer"}`,
          );
        const inRange = rows.filter((row) => {
          const minute = group.minuteOf(row);
          return minute >= from && minute < to;
        });
        for (const [minute, samples] of samplesByMinute(group, inRange, target.label, policy)) {
          const into = minutes.get(minute) ?? new Map();
          for (const [key, sample] of samples) into.set(key, sample);
          minutes.set(minute, into);
        }
      }
      options.progress?.(++done, total);
    }
  }
  return { minutes, targets: new Set(work.flatMap((w) => w.targets.map((t) => t.id))).size };
}

interface Work {
  /** The account the targets belong to (its client sends their requests). */
  account: string;
  group: AnyQueryGroup;
  targets: Target[];
  pieces: [number, number][];
  limit: number;
}

/** What to ask, group by group and ten zones at a time; refuses a range a zone's plan cannot answer. */
async function plan(deps: FetchDeps, options: BackfillOptions): Promise<Work[]> {
  const now = deps.clock() / 1000;
  const refusals: string[] = [];
  const work: Work[] = [];
  for (const account of await discoverAccounts(deps)) {
    for (const [targets, groups] of await targetsOf(deps, account, options)) {
      for (const group of groups) {
        const able = targets.filter((t) => t.settings[group.dataset]?.enabled);
        for (const t of able) {
          const oldest = oldestQueryable(now, t.settings[group.dataset]?.notOlderThan ?? 0);
          if (options.from < oldest)
            refusals.push(
              `${t.label.value}: ${group.name} (${group.dataset}) reaches back only to ${new Date(oldest * 1000).toISOString()} on its plan`,
            );
        }
        for (let i = 0; i < able.length; i += maxZonesPerQuery) {
          const chunk = able.slice(i, i + maxZonesPerQuery);
          const settings = chunk.map((t) => t.settings[group.dataset]).filter((s) => s !== undefined);
          const maxDuration = Math.min(...settings.map((s) => s.maxDuration));
          const limit = Math.min(
            deps.config.queryLimit,
            ...settings.map((s) => s.maxPageSize || deps.config.queryLimit),
          );
          work.push({
            account: account.id,
            group,
            targets: chunk,
            pieces: splitRange(options.from, options.to, maxDuration),
            limit,
          });
        }
      }
    }
  }
  if (refusals.length > 0)
    throw new BackfillError(
      `the range starts before what Cloudflare keeps for:\n  ${refusals.join("\n  ")}\nstart --from later, or leave those zones or groups out`,
    );
  return work;
}

/** The zones (and the account itself) to backfill, each with the groups of its scope. */
async function targetsOf(
  deps: FetchDeps,
  account: AccountInfo,
  options: BackfillOptions,
): Promise<[Target[], AnyQueryGroup[]][]> {
  const zoneGroups = options.groups.filter((g) => g.scope === "zone");
  const accountGroups = options.groups.filter((g) => g.scope === "account");
  const out: [Target[], AnyQueryGroup[]][] = [];
  if (zoneGroups.length > 0) {
    const zones = (await discoverZones(deps, account, [...new Set(zoneGroups.map((g) => g.dataset))])).filter(
      (zone) =>
        options.zones.length === 0 || options.zones.includes(zone.name) || options.zones.includes(zone.id),
    );
    out.push([
      zones.map((zone) => ({
        id: zone.id,
        label: { name: "zone", value: zone.name },
        settings: zone.settings,
        plan: zone.plan,
      })),
      zoneGroups,
    ]);
  }
  if (accountGroups.length > 0 && options.zones.length === 0) {
    const settings = await discoverAccountSettings(deps, account, [
      ...new Set(accountGroups.map((g) => g.dataset)),
    ]);
    out.push([
      [{ id: account.id, label: { name: "account", value: accountLabel(account.name) }, settings }],
      accountGroups,
    ]);
  }
  return out;
}
