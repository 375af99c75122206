import { Random } from "../random.ts";
import type { Zone } from "../world.ts";
import { type Cell, diurnalFactor, splitCount } from "./cell.ts";

/**
 * Authoritative DNS queries of one zone in one minute (dnsAnalyticsAdaptiveGroups). The
 * account-scoped node answers the cells of all the account's zones, each with its `zoneTag`.
 */
type Weighted<T> = readonly (readonly [T, number])[];

const queryTypes: Weighted<string> = [
  ["A", 45],
  ["AAAA", 25],
  ["HTTPS", 12],
  ["CNAME", 6],
  ["MX", 4],
  ["TXT", 5],
  ["NS", 2],
  ["SOA", 1],
];
const responseCodes: Weighted<string> = [
  ["NOERROR", 88],
  ["NXDOMAIN", 9],
  ["SERVFAIL", 1],
  ["REFUSED", 2],
];
const protocols: Weighted<string> = [
  ["udp", 85],
  ["tcp", 10],
  ["https", 5],
];
const colos = ["IAD", "FRA", "LHR", "NRT", "SIN", "GRU"] as const;

export function dnsCells(seed: string, zone: Zone, minuteStart: number): Cell[] {
  const random = new Random(seed, "dns", zone.id, minuteStart);
  const total = Math.round(
    (zone.requestsPerMinute / 3) * diurnalFactor(minuteStart) * (0.8 + 0.4 * random.next()),
  );
  return splitCount(total, Math.min(30, Math.max(1, Math.round(total / 10))), () => random.next()).map(
    (count) => {
      const queryType = random.weighted(queryTypes);
      const responseCode = random.weighted(responseCodes);
      const host = random.pick(zone.hosts);
      return {
        time: minuteStart + random.int(0, 59),
        minute: minuteStart,
        attrs: {
          zoneTag: zone.id,
          queryName: responseCode === "NXDOMAIN" ? `missing.${zone.name}` : host,
          queryType,
          responseCode,
          protocol: random.weighted(protocols),
          coloName: random.pick(colos),
          ipVersion: random.next() < 0.7 ? 4 : 6,
          responseCached: random.next() < 0.6 ? 1 : 0,
          responseStale: 0,
        },
        metrics: { count, processingTimeUs: count * random.int(200, 2_000) },
      };
    },
  );
}
