import { expect } from "vitest";
import { seriesKey } from "../../lambda/catalogue/series-key.ts";
import type { Simulator } from "../../local/simulator/server.ts";

/**
 * What every http-requests-1m counter of a zone must be, from the simulator's ground
 * truth over the counted ranges: totals exactly, every breakdown series exactly, and each
 * breakdown family summing to its total (so no series is missing or extra).
 */
const totals: Record<string, string> = {
  cloudflare_zone_requests_total: "sum.requests",
  cloudflare_zone_requests_cached_total: "sum.cachedRequests",
  cloudflare_zone_requests_ssl_encrypted_total: "sum.encryptedRequests",
  cloudflare_zone_bandwidth_total: "sum.bytes",
  cloudflare_zone_bandwidth_cached_total: "sum.cachedBytes",
  cloudflare_zone_bandwidth_ssl_encrypted_total: "sum.encryptedBytes",
  cloudflare_zone_threats_total: "sum.threats",
  cloudflare_zone_pageviews_total: "sum.pageViews",
};

const breakdowns: Record<string, { field: string; label: string; dimension: string; total: string }> = {
  cloudflare_zone_requests_country_total: {
    field: "sum.countryMap.requests",
    label: "country",
    dimension: "clientCountryName",
    total: "sum.requests",
  },
  cloudflare_zone_bandwidth_country_total: {
    field: "sum.countryMap.bytes",
    label: "country",
    dimension: "clientCountryName",
    total: "sum.bytes",
  },
  cloudflare_zone_threats_country_total: {
    field: "sum.countryMap.threats",
    label: "country",
    dimension: "clientCountryName",
    total: "sum.threats",
  },
  cloudflare_zone_requests_status_total: {
    field: "sum.responseStatusMap.requests",
    label: "status",
    dimension: "edgeResponseStatus",
    total: "sum.requests",
  },
  cloudflare_zone_requests_content_type_total: {
    field: "sum.contentTypeMap.requests",
    label: "content_type",
    dimension: "edgeResponseContentTypeName",
    total: "sum.requests",
  },
  cloudflare_zone_bandwidth_content_type_total: {
    field: "sum.contentTypeMap.bytes",
    label: "content_type",
    dimension: "edgeResponseContentTypeName",
    total: "sum.bytes",
  },
  cloudflare_zone_requests_browser_map_page_views_total: {
    field: "sum.browserMap.pageViews",
    label: "family",
    dimension: "userAgentBrowser",
    total: "sum.pageViews",
  },
  cloudflare_zone_requests_ip_class_total: {
    field: "sum.ipClassMap.requests",
    label: "ip_type",
    dimension: "ipClass",
    total: "sum.requests",
  },
  cloudflare_zone_requests_ssl_protocol_total: {
    field: "sum.clientSSLMap.requests",
    label: "ssl_protocol",
    dimension: "clientSSLProtocol",
    total: "sum.requests",
  },
  cloudflare_zone_requests_http_version_total: {
    field: "sum.clientHTTPVersionMap.requests",
    label: "http_version",
    dimension: "clientRequestHTTPProtocol",
    total: "sum.requests",
  },
  cloudflare_zone_threats_type_total: {
    field: "sum.threatPathingMap.requests",
    label: "type",
    dimension: "threatPathingName",
    total: "sum.threats",
  },
};

export function truth(
  simulator: Simulator,
  zoneId: string,
  field: string,
  ranges: readonly (readonly [number, number])[],
  where?: Record<string, string>,
): number {
  return ranges.reduce(
    (sum, [from, to]) =>
      sum +
      simulator.groundTruth({
        dataset: "httpRequests1mGroups",
        zoneTag: zoneId,
        field,
        from,
        to,
        ...(where ? { where } : {}),
      }),
    0,
  );
}

/**
 * The http-requests-1m counters a zone without that dataset (Free) gets from
 * httpRequestsAdaptiveGroups: the same ground truth, fewer families (no content type,
 * page views, browsers, IP classes or threat types in the adaptive dataset for Free zones).
 */
export const adaptiveHeadlineCounters = [
  "cloudflare_zone_requests_total",
  "cloudflare_zone_requests_cached_total",
  "cloudflare_zone_requests_ssl_encrypted_total",
  "cloudflare_zone_bandwidth_total",
  "cloudflare_zone_bandwidth_cached_total",
  "cloudflare_zone_bandwidth_ssl_encrypted_total",
  "cloudflare_zone_threats_total",
  "cloudflare_zone_requests_country_total",
  "cloudflare_zone_bandwidth_country_total",
  "cloudflare_zone_threats_country_total",
  "cloudflare_zone_requests_status_total",
  "cloudflare_zone_requests_ssl_protocol_total",
  "cloudflare_zone_requests_http_version_total",
] as const;

/** What differs between a zone's counters and ground truth over `ranges` (empty when exact). */
export function compareExact(
  simulator: Simulator,
  counters: ReadonlyMap<string, number>,
  zone: { id: string; name: string },
  ranges: readonly (readonly [number, number])[],
  families?: readonly string[],
): { checked: number; mismatches: string[] } {
  const wanted = (metric: string) => families === undefined || families.includes(metric);
  let checked = 0;
  const mismatches: string[] = [];
  const compare = (what: string, actual: number | undefined, expected: number | undefined) => {
    checked++;
    if (actual !== expected) mismatches.push(`${what}: counted ${actual}, ground truth ${expected}`);
  };
  for (const [metric, field] of Object.entries(totals)) {
    if (!wanted(metric)) continue;
    const key = seriesKey(metric, { zone: zone.name });
    compare(key, counters.get(key), truth(simulator, zone.id, field, ranges));
  }
  const zoneLabel = `zone="${zone.name}"`;
  for (const [metric, spec] of Object.entries(breakdowns)) {
    if (!wanted(metric)) continue;
    const expected = new Map<string, number>();
    for (const [from, to] of ranges) {
      const byValue = simulator.groundTruthBy({
        dataset: "httpRequests1mGroups",
        zoneTag: zone.id,
        field: spec.field,
        from,
        to,
        by: spec.dimension,
      });
      for (const [value, n] of byValue) expected.set(value, (expected.get(value) ?? 0) + n);
    }
    let familySum = 0;
    for (const [key, value] of counters) {
      if (!key.startsWith(`${metric}{`) || !key.includes(zoneLabel)) continue;
      const labelValue = new RegExp(`${spec.label}="([^"]*)"`).exec(key)?.[1] ?? "";
      compare(key, value, expected.get(labelValue));
      familySum += value;
    }
    // Every value with a non-zero total has its series: the family adds up to the total.
    compare(`${metric}{${zoneLabel}} summed`, familySum, truth(simulator, zone.id, spec.total, ranges));
    compare(
      `${metric}{${zoneLabel}} summed by value`,
      familySum,
      [...expected.values()].reduce((a, b) => a + b, 0),
    );
  }
  return { checked, mismatches };
}

/** Asserts every counter of the zone equals ground truth over `ranges`; returns the number of values checked. */
export function expectExact(
  simulator: Simulator,
  counters: ReadonlyMap<string, number>,
  zone: { id: string; name: string },
  ranges: readonly (readonly [number, number])[],
  families?: readonly string[],
): number {
  const { checked, mismatches } = compareExact(simulator, counters, zone, ranges, families);
  expect(mismatches, `${zone.name} over ${JSON.stringify(ranges)}`).toEqual([]);
  return checked;
}
