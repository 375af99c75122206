import { queryGroups } from "../collect/groups/index.ts";
import { exposedType, type MetricFamily } from "../collect/query-group.ts";
import { snapshotGroups } from "../collect/snapshots/index.ts";
import type { Config } from "../config/config.ts";
import type { ConfigIssue } from "../config/resolve.ts";
import type { Family, Sample } from "../exposition/model.ts";
import type { StoredState } from "./state.ts";

/**
 * Stored state → metric families: the collected series (with the output options applied)
 * and the exporter's own metrics. Pure: state, config and time in, families out.
 */
export interface BuildInfo {
  version: string;
  runtime: string;
}

export const knownFamilies: ReadonlyMap<string, MetricFamily> = new Map<string, MetricFamily>([
  ...queryGroups.flatMap((group) => group.series.map((spec) => [spec.family.name, spec.family] as const)),
  ...snapshotGroups.flatMap((group) => group.families.map((family) => [family.name, family] as const)),
]);

/** Parses a stored series key, `name{a="x",b="y"}`, back into name and labels. */
export function parseSeriesKey(key: string): { name: string; labels: [string, string][] } {
  const brace = key.indexOf("{");
  if (brace < 0) return { name: key, labels: [] };
  const labels: [string, string][] = [];
  for (const match of key.slice(brace).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    const raw = match[2] ?? "";
    labels.push([match[1] ?? "", raw.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c))]);
  }
  return { name: key.slice(0, brace), labels };
}

export function buildFamilies(
  state: StoredState,
  config: Config,
  build: BuildInfo,
  registry: ReadonlyMap<string, MetricFamily> = knownFamilies,
): Family[] {
  const families = new Map<string, Family>();
  const add = (name: string, help: string, type: Family["type"], sample: Sample) => {
    if (config.metricsDenylist.includes(name)) return;
    const family = families.get(name) ?? { name, help, type, samples: [] };
    family.samples.push(sample);
    families.set(name, family);
  };

  for (const { shards } of state.accounts) {
    for (const shard of shards) {
      for (const [key, series] of Object.entries(shard.series)) {
        const { name, labels } = parseSeriesKey(key);
        const family = registry.get(name);
        if (!family) continue;
        // Label options (EXCLUDE_HOST, status classes) were applied before counting: what is
        // stored is what is exported, one series per key.
        add(name, family.help, exposedType(family), {
          labels,
          value: series.v,
          ...(family.type === "counter" ? { created: series.f } : {}),
        });
      }
    }
  }
  selfMetrics(state, build, add);
  return [...families.values()];
}

/** `cloudflare_exporter_config_errors{key}`: rejected overrides per key, present until they are fixed. */
export function configErrorsFamily(issues: readonly ConfigIssue[]): Family {
  const perKey = new Map<string, number>();
  for (const issue of issues) perKey.set(issue.key, (perKey.get(issue.key) ?? 0) + 1);
  return {
    name: "cloudflare_exporter_config_errors",
    help: "Runtime config overrides rejected (ignored, the last valid value kept), by key",
    type: "gauge",
    samples: [...perKey].map(([key, value]) => ({ labels: [["key", key]], value })),
  };
}

/** Account-level groups have no zone: no `zone` label rather than an empty one (Prometheus drops empty labels). */
function zoneLabel(zone: string): [string, string][] {
  return zone === "" ? [] : [["zone", zone]];
}

function zoneLabelOf(series: Readonly<Record<string, unknown>>): string | undefined {
  for (const key of Object.keys(series)) {
    const zone = parseSeriesKey(key).labels.find(([label]) => label === "zone");
    if (zone) return zone[1];
  }
  return undefined;
}

type Add = (name: string, help: string, type: Family["type"], sample: Sample) => void;

function selfMetrics(state: StoredState, build: BuildInfo, add: Add): void {
  add("cloudflare_exporter_up", "1 when the exporter could read its stored state", "gauge", {
    labels: [],
    value: 1,
  });
  add("cloudflare_exporter_build_info", "Version of the exporter", "gauge", {
    labels: [
      ["version", build.version],
      ["runtime", build.runtime],
    ],
    value: 1,
  });
  add("cloudflare_accounts", "Accounts discovered (after CF_ACCOUNTS)", "gauge", {
    labels: [],
    value: state.accounts.length,
  });
  const zones = state.accounts.flatMap((a) => a.zones);
  const zoneIds = new Set(zones.map((z) => z.id));
  add("cloudflare_zones", "Active zones discovered", "gauge", { labels: [], value: zones.length });
  add("cloudflare_zones_filtered", "Zones after the CF_ZONES allow-list", "gauge", {
    labels: [],
    value: zoneIds.size,
  });
  const counted = new Set(
    state.accounts.flatMap((a) => a.shards.map((s) => s.scopeId)).filter((id) => zoneIds.has(id)),
  );
  add("cloudflare_zones_processed", "Zones with counted data", "gauge", { labels: [], value: counted.size });
  add(
    "cloudflare_zones_skipped_free_tier",
    "Zones on the Free plan: their plan's datasets (adaptive HTTP, certificates, load balancers) are collected, the paid datasets skipped",
    "gauge",
    {
      labels: [],
      value: zones.filter((z) => z.plan === "free").length,
    },
  );

  for (const { account, zones: accountZones, shards, status } of state.accounts) {
    const accountLabel: [string, string] = ["account", account.name];
    for (const [code, count] of status.errors) {
      add("cloudflare_exporter_errors_total", "Collection errors, by account and error code", "counter", {
        labels: [accountLabel, ["code", code]],
        value: count,
      });
    }
    for (const [api, value] of [
      ["graphql", status.graphqlRequests],
      ["rest", status.restRequests],
    ] as const) {
      add("cloudflare_exporter_cloudflare_requests_total", "Requests made to the Cloudflare API", "counter", {
        labels: [accountLabel, ["api", api]],
        value,
      });
    }
    add(
      "cloudflare_exporter_rate_limit_events_total",
      "Times Cloudflare answered that a rate limit was reached",
      "counter",
      {
        labels: [accountLabel],
        value: status.rateLimitEvents,
      },
    );
    // The counted range per zone and query group: the oldest cursor and start of its shards.
    const ranges = new Map<
      string,
      { zone: string; query: string; from: number; until: number; lost: number }
    >();
    for (const shard of shards) {
      const key = `${shard.group}/${shard.scopeId}`;
      // A zone that left the zone list keeps the name its series carry, so its self-metrics
      // keep their labels (and stay one series) for as long as its counters are exported.
      const zone =
        accountZones.find((z) => z.id === shard.scopeId)?.name ??
        (shard.scopeId === account.id ? "" : (shard.label ?? zoneLabelOf(shard.series) ?? shard.scopeId));
      const previous = ranges.get(key);
      ranges.set(key, {
        zone,
        query: shard.group,
        from: Math.min(previous?.from ?? shard.start, shard.start),
        until: Math.min(previous?.until ?? shard.cursor, shard.cursor),
        lost: (previous?.lost ?? 0) + shard.lostMinutes,
      });
    }
    const dropped = new Map<string, { labels: [string, string][]; value: number }>();
    for (const shard of shards) {
      const zone =
        accountZones.find((z) => z.id === shard.scopeId)?.name ??
        (shard.scopeId === account.id ? "" : (shard.label ?? shard.scopeId));
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
    for (const sample of dropped.values()) {
      add(
        "cloudflare_exporter_dropped_samples_total",
        "Samples of new series not stored because their family reached MAX_SERIES_PER_FAMILY for the zone (or account)",
        "counter",
        sample,
      );
    }
    for (const range of ranges.values()) {
      const labels: [string, string][] = [accountLabel, ...zoneLabel(range.zone), ["query", range.query]];
      add(
        "cloudflare_exporter_collected_from_timestamp_seconds",
        "Start of the counted range (Unix seconds)",
        "gauge",
        {
          labels,
          value: range.from,
        },
      );
      add(
        "cloudflare_exporter_collected_until_timestamp_seconds",
        "End of the counted range: every minute before it is counted (Unix seconds)",
        "gauge",
        {
          labels,
          value: range.until,
        },
      );
      add(
        // In seconds, Prometheus' base unit (promtool rejects a `_minutes` name).
        "cloudflare_exporter_lost_seconds_total",
        "Time that could not be counted (whole minutes, in seconds): older than Cloudflare's lookback when fetched",
        "counter",
        {
          labels,
          value: range.lost * 60,
        },
      );
    }
  }
}
