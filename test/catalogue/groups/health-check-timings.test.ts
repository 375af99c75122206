import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthCheckTimings } from "../../../lambda/catalogue/groups/health-check-timings.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import {
  expectNoErrors,
  expectSameSeries,
  storedSeries,
  truthRows,
  zoneNamed,
} from "./zone-dataset-truth.ts";

/**
 * `health-check-timings` against the simulator, one known minute: every stored gauge
 * compared with the ground truth of `healthCheckEventsAdaptiveGroups` for that minute.
 * Labels by hand: origin_ip → `originIP`, fqdn → `fqdn`; each timing is Cloudflare's mean
 * over the origin's checks (`avg.<field>` over every region and result) in seconds; the
 * zone's events_avg is its events divided by its origins.
 */
const dataset = "healthCheckEventsAdaptiveGroups";
const timings = {
  cloudflare_zone_health_check_rtt_seconds: "avg.rttMs",
  cloudflare_zone_health_check_ttfb_seconds: "avg.timeToFirstByteMs",
  cloudflare_zone_health_check_tcp_connection_seconds: "avg.tcpConnMs",
  cloudflare_zone_health_check_tls_handshake_seconds: "avg.tlsHandshakeMs",
} as const;
const eventsAvg = "cloudflare_zone_health_check_events_avg";
const families = [...Object.keys(timings), eventsAvg];
const checkedZones = ["example.com", "example-shop.com"];

function expected(run: OneMinute): Map<string, number> {
  const simulator = run.harness.simulator;
  const out = new Map<string, number>();
  for (const name of checkedZones) {
    const zone = zoneNamed(simulator, name);
    const origins = truthRows(simulator, {
      dataset,
      zoneTag: zone.id,
      from: run.from,
      to: run.to,
      by: ["originIP", "fqdn"],
      fields: ["count", ...Object.values(timings)],
    });
    let events = 0;
    for (const { dims, values } of origins) {
      const labels = { zone: zone.name, origin_ip: dims.originIP ?? "", fqdn: dims.fqdn ?? "" };
      for (const [family, field] of Object.entries(timings)) {
        out.set(seriesKey(family, labels), (values[field] ?? Number.NaN) / 1000);
      }
      events += values.count ?? 0;
    }
    out.set(seriesKey(eventsAvg, { zone: zone.name }), events / origins.length);
  }
  return out;
}

describe("health-check-timings (default world)", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(healthCheckTimings);
  });
  afterAll(() => run.harness.close());

  it("stores every origin's mean timings of the minute, and the zone's mean events per origin", async () => {
    expectNoErrors(run);
    const want = expected(run);
    // Two pools of two origins per load-balanced zone.
    expect(want.size).toBe(checkedZones.length * (4 * 4 + 1));
    expectSameSeries(await storedSeries(run, families), want, families);
  });
});

describe("health-check-timings rows", () => {
  const row = (count: number, rttMs: number, originIP = "192.0.2.1") => ({
    count,
    avg: { rttMs, timeToFirstByteMs: 2 * rttMs, tcpConnMs: rttMs / 3, tlsHandshakeMs: rttMs / 2 },
    dimensions: { datetimeMinute: 600, originIP, fqdn: "origin.example" },
  });
  const scope = { name: "zone" as const, value: "example.com" };
  const values = (rows: unknown[]) =>
    Object.fromEntries(
      [...(samplesByMinute(healthCheckTimings, rows, scope).get(600) ?? [])].map(([key, s]) => [
        key,
        s.value,
      ]),
    );
  const origin = { zone: "example.com", origin_ip: "192.0.2.1", fqdn: "origin.example" };

  it("merges rows of one origin into the count-weighted mean (not the largest)", () => {
    const got = values([row(3, 20), row(1, 100), row(6, 50, "192.0.2.2")]);
    expect(got[seriesKey("cloudflare_zone_health_check_rtt_seconds", origin)]).toBeCloseTo(0.04, 12);
    expect(got[seriesKey("cloudflare_zone_health_check_ttfb_seconds", origin)]).toBeCloseTo(0.08, 12);
    // Mean events per row: (3 + 1 + 6) / 3.
    expect(got[seriesKey(eventsAvg, { zone: "example.com" })]).toBeCloseTo(10 / 3, 12);
  });

  it("gives no timings for a row without checks or without averages", () => {
    const got = values([row(0, 20), { ...row(2, 20), avg: null }]);
    expect(Object.keys(got)).toEqual([seriesKey(eventsAvg, { zone: "example.com" })]);
    expect(got[seriesKey(eventsAvg, { zone: "example.com" })]).toBe(2);
  });
});
