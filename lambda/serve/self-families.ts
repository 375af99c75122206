import type { MetricFamily } from "../catalogue/query-group.ts";
import { selfMetricFamilies } from "../catalogue/self-metrics.ts";
import { parseSeriesKey } from "../catalogue/series-key.ts";
import { snapshotGroups } from "../catalogue/snapshots/index.ts";
import { type Config, zoneAllowed } from "../config/config.ts";
import type { ConfigIssue } from "../config/resolve.ts";
import type { Family, Sample } from "../exposition/model.ts";
import type { Shard } from "../store/shards.ts";
import { pushSelfSamples } from "./push-metrics.ts";
import type { AccountState, StoredState } from "./state.ts";

/**
 * The exporter's own metrics from the stored state (run status, data ages, counted ranges,
 * spent GraphQL budgets, dropped samples, rejected overrides), each with the HELP and type
 * of its one declaration in lambda/catalogue/self-metrics.ts. Pure: state and config in.
 */

/** The running code, for `cloudflare_exporter_build_info`. */
export interface BuildInfo {
  version: string;
  runtime: string;
}

/** `cloudflare_exporter_config_errors{key}`: rejected overrides per key, present until they are fixed. */
export function configErrorsFamily(issues: readonly ConfigIssue[]): Family {
  const perKey = new Map<string, number>();
  for (const issue of issues) perKey.set(issue.key, (perKey.get(issue.key) ?? 0) + 1);
  const family = declared("cloudflare_exporter_config_errors");
  return {
    name: family.name,
    help: family.help,
    type: family.type,
    samples: [...perKey].map(([key, value]) => ({ labels: [["key", key]], value })),
  };
}

/** Account-level groups have no zone: no `zone` label rather than an empty one (Prometheus drops empty labels). */
function zoneLabel(zone: string): [string, string][] {
  return zone === "" ? [] : [["zone", zone]];
}

function zoneLabelOf(keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const zone = parseSeriesKey(key).labels.find(([label]) => label === "zone");
    if (zone) return zone[1];
  }
  return undefined;
}

export type Add = (name: string, help: string, type: Family["type"], sample: Sample) => void;

const selfFamilies = new Map(selfMetricFamilies.map((family) => [family.name, family]));

/** A self-metric's HELP and type come from its one declaration (lambda/catalogue/self-metrics.ts), which the docs print. */
function declared(name: string): MetricFamily {
  const family = selfFamilies.get(name);
  if (!family) throw new Error(`${name} is not declared in self-metrics.ts`);
  return family;
}

type Self = (name: string, sample: Sample) => void;

export function selfMetrics(state: StoredState, config: Config, build: BuildInfo, add: Add): void {
  const self: Self = (name, sample) => {
    const family = declared(name);
    add(name, family.help, family.type, sample);
  };
  self("cloudflare_exporter_up", { labels: [], value: 1 });
  self("cloudflare_exporter_build_info", {
    labels: [
      ["version", build.version],
      ["runtime", build.runtime],
    ],
    value: 1,
  });
  self("cloudflare_accounts", { labels: [], value: state.accounts.length });
  zoneSelfMetrics(state, config, self);
  for (const account of state.accounts) accountSelfMetrics(account, self);
  graphqlBlocks(state, self);
}

/** Each GraphQL budget Cloudflare said was spent: the token's (no account label) and each account's. */
function graphqlBlocks(state: StoredState, self: Self): void {
  const names = new Map(state.accounts.map(({ account }) => [account.id, account.name]));
  for (const block of state.graphqlBlocks ?? []) {
    const account =
      block.accountId === undefined ? undefined : (names.get(block.accountId) ?? block.accountId);
    self("cloudflare_exporter_graphql_blocked_until_timestamp_seconds", {
      labels: account === undefined ? [] : [["account", account]],
      value: Math.ceil(block.untilMs / 1000),
    });
  }
}

function zoneSelfMetrics(state: StoredState, config: Config, self: Self): void {
  const zones = state.accounts.flatMap((a) => a.zones);
  // The zone cache holds every active zone; the CF_ZONES allow-list applies on the way out.
  const allowed = (zone: { id: string }) => zoneAllowed(config, zone.id);
  const zoneIds = new Set(zones.filter(allowed).map((z) => z.id));
  self("cloudflare_zones", { labels: [], value: zones.length });
  self("cloudflare_zones_filtered", { labels: [], value: zoneIds.size });
  const counted = new Set(
    state.accounts.flatMap((a) => a.shards.map((s) => s.scopeId)).filter((id) => zoneIds.has(id)),
  );
  self("cloudflare_zones_processed", { labels: [], value: counted.size });
  // Zones whose zone datasets are not queried at all: those of CF_FREE_TIER_ACCOUNTS.
  const skipped = state.accounts
    .filter((a) => config.cfFreeTierAccounts.includes(a.account.id))
    .flatMap((a) => a.zones.filter(allowed));
  self("cloudflare_zones_skipped_free_tier", { labels: [], value: skipped.length });
}

function accountSelfMetrics(
  { account, zones, shards, columns, status, push }: AccountState,
  self: Self,
): void {
  const accountLabel: [string, string] = ["account", account.name];
  for (const { name, ...sample } of push ? pushSelfSamples(account.name, push) : []) self(name, sample);
  for (const [code, count] of status.errors) {
    self("cloudflare_exporter_errors_total", { labels: [accountLabel, ["code", code]], value: count });
  }
  for (const [api, value] of [
    ["graphql", status.graphqlRequests],
    ["rest", status.restRequests],
  ] as const) {
    self("cloudflare_exporter_cloudflare_requests_total", { labels: [accountLabel, ["api", api]], value });
  }
  self("cloudflare_exporter_rate_limit_events_total", {
    labels: [accountLabel],
    value: status.rateLimitEvents,
  });
  // A zone that left the zone list keeps the name its shards carry, so its self-metrics
  // keep their labels (and stay one series) for as long as its counters are exported.
  const zoneNames = new Map(zones.map((z) => [z.id, z.name]));
  const keysOf = new Map(columns?.map((c) => [c.shard, c.keys]));
  const zoneOf = (shard: Shard): string =>
    zoneNames.get(shard.scopeId) ??
    (shard.scopeId === account.id
      ? ""
      : (shard.label ?? zoneLabelOf(keysOf.get(shard) ?? Object.keys(shard.series)) ?? shard.scopeId));
  for (const sample of droppedSamples(shards, zoneOf, accountLabel)) {
    self("cloudflare_exporter_dropped_samples_total", sample);
  }
  for (const range of countedRanges(shards, zoneOf)) {
    const labels: [string, string][] = [accountLabel, ...zoneLabel(range.zone), ["query", range.query]];
    self("cloudflare_exporter_collected_from_timestamp_seconds", { labels, value: range.from });
    self("cloudflare_exporter_collected_until_timestamp_seconds", { labels, value: range.until });
    self("cloudflare_exporter_lost_seconds_total", { labels, value: range.lost * 60 });
  }
}

/** Per zone (and account), how far its minute series trail the scrape. */
export function dataAges(state: StoredState, now: number, add: Add): void {
  const family = declared("cloudflare_exporter_data_age_seconds");
  const snapshotNames = new Set(snapshotGroups.map((group) => group.name));
  for (const { account, zones, shards } of state.accounts) {
    const until = new Map<string, number>();
    for (const shard of shards) {
      if (snapshotNames.has(shard.group)) continue;
      until.set(shard.scopeId, Math.min(until.get(shard.scopeId) ?? shard.cursor, shard.cursor));
    }
    for (const [scopeId, cursor] of until) {
      const zone = scopeId === account.id ? "" : (zones.find((z) => z.id === scopeId)?.name ?? scopeId);
      add(family.name, family.help, family.type, {
        labels: [["account", account.name], ...zoneLabel(zone)],
        value: Math.max(0, Math.round(now - cursor)),
      });
    }
  }
}

/** The counted range per zone and query group: the oldest cursor and start of its shards. */
function countedRanges(shards: readonly Shard[], zoneOf: (shard: Shard) => string) {
  const ranges = new Map<
    string,
    { zone: string; query: string; from: number; until: number; lost: number }
  >();
  for (const shard of shards) {
    const key = `${shard.group}/${shard.scopeId}`;
    const previous = ranges.get(key);
    ranges.set(key, {
      zone: zoneOf(shard),
      query: shard.group,
      from: Math.min(previous?.from ?? shard.start, shard.start),
      until: Math.min(previous?.until ?? shard.cursor, shard.cursor),
      lost: (previous?.lost ?? 0) + shard.lostMinutes,
    });
  }
  return ranges.values();
}

function droppedSamples(
  shards: readonly Shard[],
  zoneOf: (shard: Shard) => string,
  accountLabel: [string, string],
): Iterable<Sample> {
  const dropped = new Map<string, { labels: [string, string][]; value: number }>();
  for (const shard of shards) {
    const zone = zoneOf(shard);
    for (const [family, count] of Object.entries(shard.dropped)) {
      const key = `${zone}|${shard.group}|${family}`;
      const entry = dropped.get(key) ?? {
        labels: [accountLabel, ...zoneLabel(zone), ["query", shard.group], ["family", family]],
        value: 0,
      };
      entry.value += count;
      dropped.set(key, entry);
    }
  }
  return dropped.values();
}
