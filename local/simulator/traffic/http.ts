import { Random } from "../random.ts";
import type { Zone } from "../world.ts";
import { type Cell, diurnalFactor, splitCount } from "./cell.ts";

/**
 * HTTP requests of one zone in one minute. One set of cells feeds httpRequests1mGroups,
 * httpRequestsAdaptiveGroups, httpRequestsOverviewAdaptiveGroups and (through the
 * security action) firewallEventsAdaptiveGroups, so all of them agree.
 */

type Weighted<T> = readonly (readonly [T, number])[];

const countries: Weighted<string> = [
  ["US", 34],
  ["DE", 10],
  ["GB", 8],
  ["FR", 6],
  ["JP", 6],
  ["BR", 5],
  ["IN", 7],
  ["NL", 4],
  ["CA", 4],
  ["AU", 3],
  ["SG", 3],
  ["PL", 2],
  ["T1", 1],
];
const colosByCountry: Record<string, readonly string[]> = {
  US: ["IAD", "EWR", "ORD", "DFW", "SJC", "LAX"],
  DE: ["FRA", "DUS"],
  GB: ["LHR", "MAN"],
  FR: ["CDG", "MRS"],
  JP: ["NRT", "KIX"],
  BR: ["GRU"],
  IN: ["BOM", "DEL"],
  NL: ["AMS"],
  CA: ["YYZ"],
  AU: ["SYD"],
  SG: ["SIN"],
  PL: ["WAW"],
  T1: ["FRA", "AMS"],
};
const methods: Weighted<string> = [
  ["GET", 80],
  ["POST", 12],
  ["HEAD", 3],
  ["OPTIONS", 2],
  ["PUT", 2],
  ["DELETE", 1],
];
const contentTypes: Weighted<string> = [
  ["html", 22],
  ["json", 18],
  ["js", 14],
  ["css", 8],
  ["png", 9],
  ["jpeg", 8],
  ["webp", 6],
  ["svg", 3],
  ["woff2", 4],
  ["plain", 3],
  ["empty", 5],
];
const bytesPerResponse: Record<string, number> = {
  html: 24_000,
  json: 3_000,
  js: 45_000,
  css: 18_000,
  png: 60_000,
  jpeg: 85_000,
  webp: 40_000,
  svg: 5_000,
  woff2: 30_000,
  plain: 1_200,
  empty: 300,
};
const statuses: Weighted<number> = [
  [200, 700],
  [304, 80],
  [301, 20],
  [302, 20],
  [206, 10],
  [404, 60],
  [400, 10],
  [401, 8],
  [429, 6],
  [500, 5],
  [502, 5],
  [503, 5],
  [504, 3],
  [520, 2],
  [522, 2],
  [524, 2],
  [101, 2],
];
const cacheStatuses: Weighted<string> = [
  ["hit", 45],
  ["miss", 15],
  ["dynamic", 30],
  ["expired", 3],
  ["revalidated", 3],
  ["bypass", 4],
];
const cachedStatuses = new Set(["hit", "revalidated", "stale", "updating"]);
const sslProtocols: Weighted<string> = [
  ["TLSv1.3", 62],
  ["TLSv1.2", 28],
  ["none", 10],
];
const httpProtocols: Weighted<string> = [
  ["HTTP/2", 55],
  ["HTTP/3", 25],
  ["HTTP/1.1", 19],
  ["HTTP/1.0", 1],
];
const browsers: Weighted<string> = [
  ["Chrome", 48],
  ["Safari", 20],
  ["Edge", 6],
  ["Firefox", 6],
  ["SamsungInternet", 2],
  ["PingdomBot", 1],
  ["Other", 17],
];
const operatingSystems: Weighted<string> = [
  ["Windows", 30],
  ["iOS", 22],
  ["Android", 28],
  ["MacOSX", 12],
  ["Linux", 8],
];
const deviceTypes: Weighted<string> = [
  ["desktop", 50],
  ["mobile", 45],
  ["tablet", 5],
];
const ipClasses: Weighted<string> = [
  ["noRecord", 86],
  ["searchEngine", 5],
  ["monitoringService", 3],
  ["allowlist", 1],
  ["badHost", 2],
  ["scan", 2],
  ["tor", 1],
];
const requestSources: Weighted<string> = [
  ["eyeball", 94],
  ["edgeWorkerFetch", 3],
  ["earlyHintsCache", 2],
  ["healthcheck", 1],
];
const securityActions: Weighted<string> = [
  ["unknown", 955],
  ["block", 15],
  ["managed_challenge", 10],
  ["challenge", 5],
  ["jschallenge", 3],
  ["log", 8],
  ["skip", 4],
];
const threatPaths: Record<string, string> = {
  firewallCustom: "user.ban.ctry",
  firewallManaged: "macro.waf.sqli",
  ratelimit: "rl.ban.ip",
  securitylevel: "bic.chl.unknown",
  bic: "bic.ban.unknown",
};
const botSources: Weighted<string> = [
  ["Machine Learning", 60],
  ["Heuristics", 25],
  ["JS Fingerprinting", 8],
  ["Verified Bot", 5],
  ["Not Computed", 2],
];

export function httpCells(seed: string, zone: Zone, minuteStart: number): Cell[] {
  const random = new Random(seed, "http", zone.id, minuteStart);
  const total = Math.round(
    zone.requestsPerMinute * diurnalFactor(minuteStart) * (0.85 + 0.3 * random.next()),
  );
  const shares = splitCount(total, Math.min(48, Math.max(1, Math.round(total / 25))), () => random.next());
  const visitorPool = Math.max(50, Math.round(zone.requestsPerMinute / 2));
  return shares.map((count) => {
    const country = random.weighted(countries);
    const securityAction = random.weighted(securityActions);
    const blocked = securityAction === "block";
    const challenged = securityAction.endsWith("challenge");
    const rule = securityAction === "unknown" ? undefined : random.pick(zone.firewallRules);
    const securitySource =
      rule?.source ?? (securityAction === "unknown" ? "" : random.pick(["securitylevel", "bic"] as const));
    const status = blocked ? 403 : challenged ? 403 : random.weighted(statuses);
    const contentType =
      status >= 300 && status !== 304
        ? random.pick(["html", "plain", "empty"] as const)
        : random.weighted(contentTypes);
    const cacheStatus =
      blocked || challenged ? "none" : status >= 500 ? "dynamic" : random.weighted(cacheStatuses);
    const cached = cachedStatuses.has(cacheStatus);
    const reachedOrigin = !cached && cacheStatus !== "none";
    const originStatus = reachedOrigin ? (status >= 520 ? 0 : status === 304 ? 200 : status) : 0;
    const sslProtocol = random.weighted(sslProtocols);
    const botScore = random.next() < 0.72 ? random.int(30, 99) : random.int(1, 29);
    const threat = blocked || challenged;
    const bytes = Math.round(count * (bytesPerResponse[contentType] ?? 1_000) * (0.6 + 0.8 * random.next()));
    const originMs = reachedOrigin ? random.int(15, 900) : 0;
    const visitors = Array.from({ length: Math.min(count, 8) }, () => random.int(0, visitorPool - 1));
    const second = random.int(0, 59);
    return {
      time: minuteStart + second,
      minute: minuteStart,
      attrs: {
        clientRequestHTTPHost: random.pick(zone.hosts),
        clientCountryName: country,
        coloCode: random.pick(colosByCountry[country] ?? ["FRA"]),
        clientRequestHTTPMethodName: random.weighted(methods),
        clientRequestHTTPProtocol: random.weighted(httpProtocols),
        clientSSLProtocol: sslProtocol,
        edgeResponseStatus: status,
        edgeResponseContentTypeName: contentType,
        originResponseStatus: originStatus,
        cacheStatus,
        userAgentBrowser: random.weighted(browsers),
        userAgentOS: random.weighted(operatingSystems),
        clientDeviceType: random.weighted(deviceTypes),
        ipClass: random.weighted(ipClasses),
        requestSource: random.weighted(requestSources),
        securityAction,
        securitySource,
        ruleId: rule?.id ?? "",
        rulesetId: rule?.rulesetId ?? "",
        ruleDescription: rule?.description ?? "",
        threatPathingName: threat ? (threatPaths[securitySource] ?? "unknown") : "",
        botScore,
        botScoreSrcName: random.weighted(botSources),
      },
      metrics: {
        count,
        bytes,
        cachedRequests: cached ? count : 0,
        cachedBytes: cached ? bytes : 0,
        encryptedRequests: sslProtocol === "none" ? 0 : count,
        encryptedBytes: sslProtocol === "none" ? 0 : bytes,
        pageViews: contentType === "html" && status < 300 ? count : 0,
        threats: threat ? count : 0,
        visits: contentType === "html" ? Math.ceil(count / 3) : 0,
        edgeRequestBytes: count * random.int(350, 900),
        originResponseDurationMs: count * originMs,
        edgeTimeToFirstByteMs: count * (cached ? random.int(5, 40) : originMs + random.int(5, 40)),
        edgeDnsResponseTimeMs: count * random.int(1, 12),
      },
      visitors,
    };
  });
}
