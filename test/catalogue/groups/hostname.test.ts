import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostnameLatency } from "../../../lambda/catalogue/groups/hostname-latency.ts";
import { hostnameRequests } from "../../../lambda/catalogue/groups/hostname-requests.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { withSettings } from "../../../lambda/collect/runtime.ts";
import { ConfigError, loadConfig } from "../../../lambda/config/config.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import {
  busyFreeZoneWorld,
  expectNoErrors,
  expectSameSeries,
  storedSeries,
  truthRows,
} from "./adaptive-truth.ts";

/**
 * The per-hostname groups against the simulator, one known minute, with HOST_METRICS_ALLOWLIST
 * naming hosts of three zones (one in capitals, one without traffic): every listed host's
 * figures equal the simulator's ground truth, and no other host has a series.
 */
const allowlist = "example.org,WWW.example.org,api.example.com,nosuch.example.net";
const listed = ["example.org", "www.example.org", "api.example.com", "nosuch.example.net"];
const env = { HOST_METRICS_ALLOWLIST: allowlist };

const requests = "cloudflare_zone_hostname_requests_total";
const byStatus = "cloudflare_zone_hostname_requests_status_total";
const byCache = "cloudflare_zone_hostname_requests_cache_status_total";
const latency = {
  cloudflare_zone_hostname_edge_ttfb_seconds: "avg.edgeTimeToFirstByteMs",
  cloudflare_zone_hostname_edge_ttfb_p50_seconds: "quantiles.edgeTimeToFirstByteMsP50",
  cloudflare_zone_hostname_edge_ttfb_p95_seconds: "quantiles.edgeTimeToFirstByteMsP95",
  cloudflare_zone_hostname_origin_response_duration_seconds: "avg.originResponseDurationMs",
  cloudflare_zone_hostname_origin_response_duration_p50_seconds: "quantiles.originResponseDurationMsP50",
  cloudflare_zone_hostname_origin_response_duration_p95_seconds: "quantiles.originResponseDurationMsP95",
} as const;

describe("hostname-requests", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(hostnameRequests, { world: busyFreeZoneWorld, env });
  });
  afterAll(() => run.harness.close());

  it("counts the listed hosts' requests, by status and by cache status, exactly", async () => {
    expectNoErrors(run);
    const { simulator } = run.harness;
    const want = new Map<string, number>();
    const add = (key: string, value: number) => want.set(key, (want.get(key) ?? 0) + value);
    for (const zone of simulator.world.zones) {
      const range = {
        zoneTag: zone.id,
        from: run.from,
        to: run.to,
        where: { clientRequestHTTPHost: listed },
      };
      const by = ["clientRequestHTTPHost", "edgeResponseStatus", "cacheStatus"];
      for (const { dims, values } of truthRows(simulator, { ...range, by, fields: ["count"] })) {
        const count = values.count ?? 0;
        if (count === 0) continue;
        const host = { zone: zone.name, host: dims.clientRequestHTTPHost ?? "" };
        add(seriesKey(requests, host), count);
        add(seriesKey(byStatus, { ...host, status: dims.edgeResponseStatus ?? "" }), count);
        add(seriesKey(byCache, { ...host, cache_status: dims.cacheStatus ?? "" }), count);
      }
    }
    const actual = await storedSeries(run, [requests, byStatus, byCache]);
    expectSameSeries(actual, want);
    // Three of the four listed hosts had traffic; the unlisted ones have no series.
    const hosts = [...actual.keys()].filter((key) => key.startsWith(`${requests}{`));
    expect(hosts.map((key) => /host="([^"]+)"/.exec(key)?.[1]).sort()).toEqual([
      "api.example.com",
      "example.org",
      "www.example.org",
    ]);
  });

  it("adds up two rows of one host, status and cache status in one minute (a duplicate row)", () => {
    const row = (count: number) => ({
      count,
      dimensions: {
        datetimeMinute: 600,
        clientRequestHTTPHost: "example.org",
        edgeResponseStatus: 200,
        cacheStatus: "hit",
      },
    });
    const samples = samplesByMinute(hostnameRequests, [row(7), row(5)], { name: "zone", value: "z" });
    const minute = samples.get(600);
    const host = { zone: "z", host: "example.org" };
    expect(minute?.get(seriesKey(requests, host))?.value).toBe(12);
    expect(minute?.get(seriesKey(byStatus, { ...host, status: "200" }))?.value).toBe(12);
    expect(minute?.get(seriesKey(byCache, { ...host, cache_status: "hit" }))?.value).toBe(12);
  });
});

describe("hostname-latency", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(hostnameLatency, { world: busyFreeZoneWorld, env });
  });
  afterAll(() => run.harness.close());

  it("holds Cloudflare's mean and percentiles of each listed host's last counted minute", async () => {
    expectNoErrors(run);
    const { simulator } = run.harness;
    const want = new Map<string, number>();
    for (const zone of simulator.world.zones) {
      const range = {
        zoneTag: zone.id,
        from: run.from,
        to: run.to,
        where: { clientRequestHTTPHost: listed },
      };
      const fields = ["count", ...Object.values(latency)];
      for (const { dims, values } of truthRows(simulator, {
        ...range,
        by: ["clientRequestHTTPHost"],
        fields,
      })) {
        if ((values.count ?? 0) === 0) continue;
        for (const [family, field] of Object.entries(latency)) {
          const labels = { zone: zone.name, host: dims.clientRequestHTTPHost ?? "" };
          want.set(seriesKey(family, labels), (values[field] ?? Number.NaN) / 1000);
        }
      }
    }
    expect(want.size).toBe(3 * 6);
    const actual = await storedSeries(run, Object.keys(latency));
    expectSameSeries(actual, want, Object.keys(latency));
    expect(Math.min(...actual.values())).toBeGreaterThanOrEqual(0);
    expect(
      actual.get(
        seriesKey("cloudflare_zone_hostname_edge_ttfb_p95_seconds", {
          zone: "example.org",
          host: "example.org",
        }),
      ),
    ).toBeGreaterThan(0);
  });

  it("keeps the count-weighted mean and the highest percentile of two rows of one host and minute", () => {
    const row = (count: number, meanMs: number, p95Ms: number) => ({
      count,
      avg: { edgeTimeToFirstByteMs: meanMs, originResponseDurationMs: 0 },
      quantiles: {
        edgeTimeToFirstByteMsP50: 10,
        edgeTimeToFirstByteMsP95: p95Ms,
        originResponseDurationMsP50: 0,
        originResponseDurationMsP95: 0,
      },
      dimensions: { datetimeMinute: 600, clientRequestHTTPHost: "example.org" },
    });
    const samples = samplesByMinute(hostnameLatency, [row(3, 100, 400), row(1, 500, 900)], {
      name: "zone",
      value: "z",
    });
    const labels = { zone: "z", host: "example.org" };
    const minute = samples.get(600);
    // (3 × 100 + 1 × 500) / 4 = 200 ms
    expect(minute?.get(seriesKey("cloudflare_zone_hostname_edge_ttfb_seconds", labels))?.value).toBe(0.2);
    expect(minute?.get(seriesKey("cloudflare_zone_hostname_edge_ttfb_p95_seconds", labels))?.value).toBe(0.9);
  });
});

describe("HOST_METRICS_ALLOWLIST", () => {
  it("is lower-cased and de-duplicated, and runs both groups with the hosts as their filter", () => {
    const config = loadConfig({ HOST_METRICS_ALLOWLIST: " Example.org, example.ORG ,api.example.com" });
    expect(config.hostMetricsAllowlist).toEqual(["example.org", "api.example.com"]);
    const groups = withSettings([hostnameRequests, hostnameLatency], config);
    expect(groups.map((group) => group.filter)).toEqual([
      'clientRequestHTTPHost_in: ["example.org","api.example.com"]',
      'clientRequestHTTPHost_in: ["example.org","api.example.com"]',
    ]);
  });

  it("leaves both groups off when empty, or when EXCLUDE_HOST drops the host label", () => {
    expect(withSettings([hostnameRequests, hostnameLatency], loadConfig({}))).toEqual([]);
    const excluded = loadConfig({ HOST_METRICS_ALLOWLIST: "example.org", EXCLUDE_HOST: "true" });
    expect(withSettings([hostnameRequests, hostnameLatency], excluded)).toEqual([]);
  });

  it("refuses more than 50 hosts and anything that is not a hostname, with a clear error", () => {
    const hosts = Array.from({ length: 51 }, (_, i) => `h${i}.example.com`).join(",");
    expect(() => loadConfig({ HOST_METRICS_ALLOWLIST: hosts })).toThrow(ConfigError);
    expect(() => loadConfig({ HOST_METRICS_ALLOWLIST: hosts })).toThrow(
      /HOST_METRICS_ALLOWLIST.*at most 50 hosts/,
    );
    expect(() => loadConfig({ HOST_METRICS_ALLOWLIST: 'example.org,a"b.com' })).toThrow(
      /HOST_METRICS_ALLOWLIST.*each entry must be a hostname/,
    );
    expect(() => loadConfig({ HOST_METRICS_ALLOWLIST: "*.example.org" })).toThrow(/must be a hostname/);
    const fifty = Array.from({ length: 50 }, (_, i) => `h${i}.example.com`).join(",");
    expect(loadConfig({ HOST_METRICS_ALLOWLIST: fifty }).hostMetricsAllowlist).toHaveLength(50);
  });
});
