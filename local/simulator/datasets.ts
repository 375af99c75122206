import type { Aggregator } from "./aggregate.ts";
import type { AttributeValue, Cell } from "./traffic/cell.ts";
import type { SourceName } from "./traffic/model.ts";

/**
 * The GraphQL datasets the simulator serves, declared as: which cells feed them, which
 * dimensions a query may group and filter by, and how each output field aggregates.
 * A field the schema has but this table lacks is refused with a `simulator` error rather
 * than answered with a made-up zero.
 */
export interface DatasetDef {
  name: string;
  scopes: readonly ("zone" | "account")[];
  source: SourceName;
  /** Adaptive datasets report the raw event time as `datetime`; roll-ups the minute. */
  eventTime: boolean;
  include?: (cell: Cell) => boolean;
  dimensions: Readonly<Record<string, string | ((cell: Cell) => AttributeValue)>>;
  /** Output paths such as `count`, `sum.requests`, `sum.countryMap`. */
  fields: Readonly<Record<string, Aggregator>>;
  /** Dimensions whose selection makes Cloudflare answer zero rows (a known fault of the real API). */
  emptyWhenSelected?: readonly string[];
}

const sum = (metric: string): Aggregator => ({ kind: "sum", metric });
const mean = (metric: string, weight?: string): Aggregator =>
  weight ? { kind: "mean", metric, weight } : { kind: "mean", metric };
const one: Aggregator = { kind: "constant", value: 1 };
const statusBetween = (low: number, high: number) => (cell: Cell) => {
  const status = Number(cell.attrs.edgeResponseStatus);
  return status >= low && status < high;
};

function quantiles(
  prefix: string,
  metric: string,
  levels: readonly (readonly [string, number])[],
  weight?: string,
): Record<string, Aggregator> {
  return Object.fromEntries(
    levels.map(([suffix, q]) => [
      `quantiles.${prefix}${suffix}`,
      weight ? { kind: "quantile", metric, weight, q } : { kind: "quantile", metric, q },
    ]),
  );
}
const p50to99 = [
  ["P50", 0.5],
  ["P95", 0.95],
  ["P99", 0.99],
] as const;
const p25to999 = [
  ["P25", 0.25],
  ["P50", 0.5],
  ["P75", 0.75],
  ["P90", 0.9],
  ["P95", 0.95],
  ["P99", 0.99],
  ["P999", 0.999],
] as const;

/** Attribute names double as dimension names wherever Cloudflare's names match the model's. */
const same = (...names: string[]): Record<string, string> => Object.fromEntries(names.map((n) => [n, n]));

const httpDimensions = {
  ...same(
    "clientRequestHTTPHost",
    "clientCountryName",
    "coloCode",
    "clientRequestHTTPMethodName",
    "clientRequestHTTPProtocol",
    "clientSSLProtocol",
    "edgeResponseStatus",
    "edgeResponseContentTypeName",
    "originResponseStatus",
    "cacheStatus",
    "userAgentBrowser",
    "userAgentOS",
    "clientDeviceType",
    "requestSource",
    "securityAction",
    "securitySource",
    "botScore",
    "botScoreSrcName",
  ),
  sampleInterval: () => 1,
};

const httpRequests1mGroups: DatasetDef = {
  name: "httpRequests1mGroups",
  scopes: ["zone"],
  source: "http",
  eventTime: false,
  dimensions: {},
  fields: {
    "sum.requests": sum("count"),
    "sum.bytes": sum("bytes"),
    "sum.cachedRequests": sum("cachedRequests"),
    "sum.cachedBytes": sum("cachedBytes"),
    "sum.encryptedRequests": sum("encryptedRequests"),
    "sum.encryptedBytes": sum("encryptedBytes"),
    "sum.pageViews": sum("pageViews"),
    "sum.threats": sum("threats"),
    "sum.edgeRequestBytes": sum("edgeRequestBytes"),
    "sum.countryMap": {
      kind: "map",
      key: { clientCountryName: "clientCountryName" },
      fields: { requests: sum("count"), bytes: sum("bytes"), threats: sum("threats") },
    },
    "sum.responseStatusMap": {
      kind: "map",
      key: { edgeResponseStatus: "edgeResponseStatus" },
      fields: { requests: sum("count") },
    },
    "sum.contentTypeMap": {
      kind: "map",
      key: { edgeResponseContentTypeName: "edgeResponseContentTypeName" },
      fields: { requests: sum("count"), bytes: sum("bytes") },
    },
    "sum.browserMap": {
      kind: "map",
      key: { uaBrowserFamily: "userAgentBrowser" },
      fields: { pageViews: sum("pageViews") },
      include: (cell) => (cell.metrics.pageViews ?? 0) > 0,
    },
    "sum.ipClassMap": { kind: "map", key: { ipType: "ipClass" }, fields: { requests: sum("count") } },
    "sum.clientSSLMap": {
      kind: "map",
      key: { clientSSLProtocol: "clientSSLProtocol" },
      fields: { requests: sum("count") },
    },
    "sum.clientHTTPVersionMap": {
      kind: "map",
      key: { clientHTTPProtocol: "clientRequestHTTPProtocol" },
      fields: { requests: sum("count") },
    },
    "sum.threatPathingMap": {
      kind: "map",
      key: { threatPathingName: "threatPathingName" },
      fields: { requests: sum("count") },
      include: (cell) => cell.attrs.threatPathingName !== "",
    },
    "uniq.uniques": { kind: "uniq" },
    "avg.bytes": mean("bytes"),
    "avg.edgeRequestBytes": mean("edgeRequestBytes"),
    "avg.sampleInterval": one,
  },
};

const httpRequestsAdaptiveGroups: DatasetDef = {
  name: "httpRequestsAdaptiveGroups",
  scopes: ["zone"],
  source: "http",
  eventTime: true,
  dimensions: httpDimensions,
  fields: {
    count: sum("count"),
    "sum.edgeResponseBytes": sum("bytes"),
    "sum.edgeRequestBytes": sum("edgeRequestBytes"),
    "sum.visits": sum("visits"),
    "sum.originResponseDurationMs": sum("originResponseDurationMs"),
    "sum.edgeTimeToFirstByteMs": sum("edgeTimeToFirstByteMs"),
    "sum.edgeDnsResponseTimeMs": sum("edgeDnsResponseTimeMs"),
    "avg.originResponseDurationMs": mean("originResponseDurationMs"),
    "avg.edgeTimeToFirstByteMs": mean("edgeTimeToFirstByteMs"),
    "avg.edgeDnsResponseTimeMs": mean("edgeDnsResponseTimeMs"),
    "avg.sampleInterval": one,
    "ratio.status4xx": { kind: "ratio", test: statusBetween(400, 500) },
    "ratio.status5xx": { kind: "ratio", test: statusBetween(500, 600) },
    ...quantiles("originResponseDurationMs", "originResponseDurationMs", p50to99),
    ...quantiles("edgeTimeToFirstByteMs", "edgeTimeToFirstByteMs", p50to99),
    ...quantiles("edgeDnsResponseTimeMs", "edgeDnsResponseTimeMs", p50to99),
    ...quantiles("edgeResponseBytes", "bytes", p50to99),
  },
};

const httpRequestsOverviewAdaptiveGroups: DatasetDef = {
  name: "httpRequestsOverviewAdaptiveGroups",
  scopes: ["zone"],
  source: "http",
  eventTime: true,
  // "Requests made by end users": no Worker subrequests, health checks or Early Hints.
  include: (cell) => cell.attrs.requestSource === "eyeball",
  dimensions: same(
    "clientCountryName",
    "clientRequestHTTPProtocol",
    "clientSSLProtocol",
    "edgeResponseContentTypeName",
    "edgeResponseStatus",
    "userAgentBrowser",
  ),
  fields: {
    "sum.requests": sum("count"),
    "sum.bytes": sum("bytes"),
    "sum.cachedRequests": sum("cachedRequests"),
    "sum.cachedBytes": sum("cachedBytes"),
    "sum.pageViews": sum("pageViews"),
    "sum.visits": sum("visits"),
    "avg.originResponseDurationMs": mean("originResponseDurationMs"),
    "avg.sampleInterval": one,
    "ratio.status4xx": { kind: "ratio", test: statusBetween(400, 500) },
    "ratio.status5xx": { kind: "ratio", test: statusBetween(500, 600) },
  },
};

const firewallEventsAdaptiveGroups: DatasetDef = {
  name: "firewallEventsAdaptiveGroups",
  scopes: ["zone"],
  source: "http",
  eventTime: true,
  include: (cell) => cell.attrs.securityAction !== "unknown",
  dimensions: {
    ...same(
      "ruleId",
      "rulesetId",
      "clientCountryName",
      "clientRequestHTTPHost",
      "clientRequestHTTPMethodName",
      "clientRequestHTTPProtocol",
      "edgeResponseStatus",
      "originResponseStatus",
      "botScore",
      "botScoreSrcName",
    ),
    action: "securityAction",
    source: "securitySource",
    description: "ruleDescription",
    edgeColoName: "coloCode",
    kind: () => "firewall",
    sampleInterval: () => 1,
  },
  fields: { count: sum("count"), "avg.sampleInterval": one },
};

const healthCheckEventsAdaptiveGroups: DatasetDef = {
  name: "healthCheckEventsAdaptiveGroups",
  scopes: ["zone"],
  source: "healthChecks",
  eventTime: true,
  dimensions: {
    ...same(
      "healthCheckId",
      "healthCheckName",
      "healthStatus",
      "healthChanged",
      "failureReason",
      "fqdn",
      "originIP",
      "region",
      "scope",
      "originResponseStatus",
    ),
    sampleInterval: () => 1,
  },
  fields: {
    count: sum("count"),
    "sum.healthStatus": sum("healthy"),
    "avg.rttMs": mean("rttMs"),
    "avg.timeToFirstByteMs": mean("timeToFirstByteMs"),
    "avg.tcpConnMs": mean("tcpConnMs"),
    "avg.tlsHandshakeMs": mean("tlsHandshakeMs"),
    "avg.sampleInterval": one,
  },
};

const loadBalancingRequestsAdaptiveGroups: DatasetDef = {
  name: "loadBalancingRequestsAdaptiveGroups",
  scopes: ["zone"],
  source: "loadBalancing",
  eventTime: true,
  dimensions: {
    ...same(
      "lbName",
      "selectedPoolId",
      "selectedPoolName",
      "selectedPoolIndex",
      "selectedPoolHealthy",
      "selectedPoolHealthChecksEnabled",
      "selectedPoolAvgRttMs",
      "selectedOriginName",
      "selectedOriginIndex",
      "numberOriginsSelected",
      "steeringPolicy",
      "region",
      "coloCode",
      "proxied",
      "errorType",
      "sessionAffinityStatus",
    ),
    sampleInterval: () => 1,
  },
  fields: { count: sum("count"), "avg.sampleInterval": one },
};

const workersInvocationsAdaptive: DatasetDef = {
  name: "workersInvocationsAdaptive",
  scopes: ["account"],
  source: "workers",
  eventTime: true,
  dimensions: same("scriptName", "status", "coloCode", "usageModel", "environmentName", "isDispatcher"),
  fields: {
    ...Object.fromEntries(
      [
        "requests",
        "errors",
        "subrequests",
        "duration",
        "cpuTimeUs",
        "wallTime",
        "responseBodySize",
        "clientDisconnects",
        "requestDuration",
      ].map((metric) => [`sum.${metric}`, sum(metric)]),
    ),
    ...quantiles("cpuTime", "cpuTimeUs", p25to999, "requests"),
    ...quantiles("duration", "duration", p25to999, "requests"),
    ...quantiles("wallTime", "wallTime", p25to999, "requests"),
    ...quantiles("requestDuration", "requestDuration", p25to999, "requests"),
    ...quantiles("responseBodySize", "responseBodySize", p25to999, "requests"),
    ...Object.fromEntries(
      (["max", "min"] as const).flatMap((pick) =>
        (
          [
            ["cpuTime", "cpuTimeUs"],
            ["duration", "duration"],
            ["wallTime", "wallTime"],
            ["requestDuration", "requestDuration"],
            ["responseBodySize", "responseBodySize"],
          ] as const
        ).map(([field, metric]) => [
          `${pick}.${field}`,
          { kind: "extreme", metric, weight: "requests", pick },
        ]),
      ),
    ),
    "avg.sampleInterval": one,
  },
};

const logpushHealthAdaptiveGroups: DatasetDef = {
  name: "logpushHealthAdaptiveGroups",
  scopes: ["zone", "account"],
  source: "logpush",
  eventTime: true,
  dimensions: same("jobId", "status", "destinationType", "success", "final", "error"),
  fields: {
    count: sum("count"),
    "sum.bytes": sum("bytes"),
    "sum.bytesCompressed": sum("bytesCompressed"),
    "sum.records": sum("records"),
    "sum.uploads": sum("uploads"),
    "avg.uploadDuration": mean("uploadDuration"),
    "avg.sampleInterval": one,
    "max.timestamp": { kind: "maxTime" },
  },
};

const magicTransitTunnelHealthChecksAdaptiveGroups: DatasetDef = {
  name: "magicTransitTunnelHealthChecksAdaptiveGroups",
  scopes: ["account"],
  source: "tunnels",
  eventTime: true,
  dimensions: same(
    "tunnelName",
    "siteName",
    "remoteTunnelIPv4",
    "resultStatus",
    "active",
    "edgeColoCode",
    "edgeColoName",
    "edgeColoCity",
    "edgeColoCountry",
    "edgeColoRegion",
    "edgePopName",
  ),
  fields: { count: sum("count"), "avg.tunnelState": mean("tunnelState"), "avg.sampleInterval": one },
  // Selecting `active` returns zero rows (cloudflare-prometheus-exporter PR #49).
  emptyWhenSelected: ["active"],
};

const dnsAnalyticsAdaptiveGroups: DatasetDef = {
  name: "dnsAnalyticsAdaptiveGroups",
  scopes: ["zone", "account"],
  source: "dns",
  eventTime: true,
  dimensions: {
    ...same(
      "queryName",
      "queryType",
      "responseCode",
      "protocol",
      "coloName",
      "ipVersion",
      "responseCached",
      "responseStale",
      "zoneTag",
    ),
    sampleInterval: () => 1,
  },
  fields: {
    count: sum("count"),
    "avg.processingTimeUs": mean("processingTimeUs"),
    "avg.sampleInterval": one,
  },
};

const r2OperationsAdaptiveGroups: DatasetDef = {
  name: "r2OperationsAdaptiveGroups",
  scopes: ["account"],
  source: "r2Operations",
  eventTime: true,
  dimensions: same(
    "bucketName",
    "actionType",
    "actionStatus",
    "responseStatusCode",
    "storageClass",
    "eyeballRegion",
    "objectName",
  ),
  fields: {
    "sum.requests": sum("requests"),
    "sum.responseBytes": sum("responseBytes"),
    "sum.responseObjectSize": sum("responseObjectSize"),
  },
};

const r2StorageAdaptiveGroups: DatasetDef = {
  name: "r2StorageAdaptiveGroups",
  scopes: ["account"],
  source: "r2Storage",
  eventTime: true,
  dimensions: same("bucketName", "storageClass"),
  fields: Object.fromEntries(
    ["objectCount", "payloadSize", "metadataSize", "uploadCount"].map((metric) => [
      `max.${metric}`,
      { kind: "extreme", metric, pick: "max" } satisfies Aggregator,
    ]),
  ),
};

const bitsAndPackets = { "sum.bits": sum("bits"), "sum.packets": sum("packets") };

const magicTransitTunnelTrafficAdaptiveGroups: DatasetDef = {
  name: "magicTransitTunnelTrafficAdaptiveGroups",
  scopes: ["account"],
  source: "tunnelTraffic",
  eventTime: true,
  dimensions: same("tunnelName", "direction", "onRamp", "offRamp", "edgeColoCode"),
  fields: bitsAndPackets,
};

const magicTransitTunnelHealthCheckSLOsAdaptiveGroups: DatasetDef = {
  name: "magicTransitTunnelHealthCheckSLOsAdaptiveGroups",
  scopes: ["account"],
  source: "tunnelSlo",
  eventTime: true,
  dimensions: same("tunnelName", "siteName", "status", "alertType", "policyId", "tunnelId"),
  fields: {
    count: sum("count"),
    "avg.effectiveSlo": mean("effectiveSlo"),
    "avg.slo": mean("slo"),
    "avg.sampleInterval": one,
  },
};

const magicFirewallSamplesAdaptiveGroups: DatasetDef = {
  name: "magicFirewallSamplesAdaptiveGroups",
  scopes: ["account"],
  source: "magicFirewall",
  eventTime: true,
  dimensions: same("ruleId"),
  fields: bitsAndPackets,
};

const dosdNetworkAnalyticsAdaptiveGroups: DatasetDef = {
  name: "dosdNetworkAnalyticsAdaptiveGroups",
  scopes: ["account"],
  source: "dosd",
  eventTime: true,
  dimensions: {
    ...same("outcome", "direction", "ipProtocolName", "attackVector", "coloCode"),
    sampleInterval: () => 1,
  },
  fields: { ...bitsAndPackets, "avg.sampleInterval": one },
};

const streamMinutesViewedAdaptiveGroups: DatasetDef = {
  name: "streamMinutesViewedAdaptiveGroups",
  scopes: ["account"],
  source: "stream",
  eventTime: true,
  dimensions: same("clientCountryName", "mediaType", "uid", "creator"),
  fields: { count: sum("count"), "sum.minutesViewed": sum("minutesViewed") },
};

export const datasets: ReadonlyMap<string, DatasetDef> = new Map(
  [
    httpRequests1mGroups,
    httpRequestsAdaptiveGroups,
    httpRequestsOverviewAdaptiveGroups,
    firewallEventsAdaptiveGroups,
    healthCheckEventsAdaptiveGroups,
    loadBalancingRequestsAdaptiveGroups,
    workersInvocationsAdaptive,
    logpushHealthAdaptiveGroups,
    magicTransitTunnelHealthChecksAdaptiveGroups,
    dnsAnalyticsAdaptiveGroups,
    r2OperationsAdaptiveGroups,
    r2StorageAdaptiveGroups,
    magicTransitTunnelTrafficAdaptiveGroups,
    magicTransitTunnelHealthCheckSLOsAdaptiveGroups,
    magicFirewallSamplesAdaptiveGroups,
    dosdNetworkAnalyticsAdaptiveGroups,
    streamMinutesViewedAdaptiveGroups,
  ].map((def) => [def.name, def]),
);
