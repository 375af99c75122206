import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequestsAdaptiveBreakdowns } from "../../../lambda/catalogue/groups/http-requests-adaptive-breakdowns.ts";
import { httpRequestsAdaptiveTotals } from "../../../lambda/catalogue/groups/http-requests-adaptive-totals.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { adaptiveHeadlineCounters, compareExact, truth } from "../../collect/exact.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import { busyFreeZoneWorld, expectNoErrors, mergedRows, storedSeries } from "./adaptive-truth.ts";

/**
 * The headline families of zones without httpRequests1mGroups (the world's Free zones),
 * from httpRequestsAdaptiveGroups. Expected values are the simulator's ground truth of the
 * httpRequests1mGroups fields (what a paid zone's counters hold), so a Free zone's
 * `cloudflare_zone_requests_total` means exactly what a paid zone's does.
 */
const freeZones = ["example.org", "sideproject.app"];
const totalsFamilies = adaptiveHeadlineCounters.filter((name) => !/_(country|status)_total$/.test(name));
const breakdownFamilies = adaptiveHeadlineCounters.filter((name) => /_(country|status)_total$/.test(name));
const hitRatio = "cloudflare_zone_cache_hit_ratio";

function zonesOf(run: OneMinute, names: readonly string[]) {
  return run.harness.simulator.world.zones.filter((zone) => names.includes(zone.name));
}

describe("http-requests-adaptive-totals", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(httpRequestsAdaptiveTotals, { world: busyFreeZoneWorld });
  });
  afterAll(() => run.harness.close());

  it("counts the Free zones' totals exactly as httpRequests1mGroups would, and no paid zone", async () => {
    expectNoErrors(run);
    const actual = await storedSeries(run, [...totalsFamilies, hitRatio]);
    // Only the Free zones: a zone with httpRequests1mGroups never counts these families twice.
    expect(new Set([...actual.keys()].map((key) => /zone="([^"]+)"/.exec(key)?.[1]))).toEqual(
      new Set(freeZones),
    );
    const ranges = [[run.from, run.to]] as const;
    for (const zone of zonesOf(run, freeZones)) {
      const { checked, mismatches } = compareExact(
        run.harness.simulator,
        actual,
        zone,
        ranges,
        totalsFamilies,
      );
      expect(mismatches).toEqual([]);
      // 7 totals, and ssl_protocol and http_version each checked per series plus two sums.
      expect(checked).toBe(
        7 +
          [...actual.keys()].filter(
            (k) => k.includes(`zone="${zone.name}"`) && /_(ssl_protocol|http_version)_total/.test(k),
          ).length +
          4,
      );
      const cached = truth(run.harness.simulator, zone.id, "sum.cachedRequests", ranges);
      const requests = truth(run.harness.simulator, zone.id, "sum.requests", ranges);
      expect(actual.get(seriesKey(hitRatio, { zone: zone.name }))).toBeCloseTo(cached / requests, 12);
    }
  });

  it("adds the minute's rows (cache status × TLS × HTTP version × security action) into each total", () => {
    // The duplicate-row case: many rows of one minute land on one total series.
    const merged = mergedRows(
      run,
      "example.org",
      ["cacheStatus", "clientSSLProtocol", "clientRequestHTTPProtocol", "securityAction"],
      () => "",
    );
    expect(merged).toBeGreaterThan(10);
  });
});

describe("http-requests-adaptive-breakdowns", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(httpRequestsAdaptiveBreakdowns, { world: busyFreeZoneWorld });
  });
  afterAll(() => run.harness.close());

  it("counts the Free zones' status and country breakdowns exactly, and no paid zone", async () => {
    expectNoErrors(run);
    const actual = await storedSeries(run, breakdownFamilies);
    expect(new Set([...actual.keys()].map((key) => /zone="([^"]+)"/.exec(key)?.[1]))).toEqual(
      new Set(freeZones),
    );
    for (const zone of zonesOf(run, freeZones)) {
      const { mismatches } = compareExact(
        run.harness.simulator,
        actual,
        zone,
        [[run.from, run.to]],
        breakdownFamilies,
      );
      expect(mismatches).toEqual([]);
    }
    // Rows of one country but several statuses and actions add up on the country's series.
    const merged = mergedRows(
      run,
      "example.org",
      ["edgeResponseStatus", "clientCountryName", "securityAction"],
      (d) => d.clientCountryName ?? "",
    );
    expect(merged).toBeGreaterThan(0);
  });
});

describe("http-requests-adaptive-breakdowns with CF_HTTP_STATUS_GROUP", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(httpRequestsAdaptiveBreakdowns, {
      world: busyFreeZoneWorld,
      env: { CF_HTTP_STATUS_GROUP: "true" },
    });
  });
  afterAll(() => run.harness.close());

  it("adds the codes of one class before counting", async () => {
    expectNoErrors(run);
    const family = "cloudflare_zone_requests_status_total";
    const actual = await storedSeries(run, [family]);
    const simulator = run.harness.simulator;
    const expected = new Map<string, number>();
    for (const zone of zonesOf(run, freeZones)) {
      const byStatus = simulator.groundTruthBy({
        dataset: "httpRequests1mGroups",
        zoneTag: zone.id,
        field: "sum.responseStatusMap.requests",
        from: run.from,
        to: run.to,
        by: "edgeResponseStatus",
      });
      for (const [status, count] of byStatus) {
        const code = Number(status);
        const label = code < 200 ? "1xx" : `${Math.min(5, Math.floor(code / 100))}xx`;
        const key = seriesKey(family, { zone: zone.name, status: label });
        if (count > 0) expected.set(key, (expected.get(key) ?? 0) + count);
      }
    }
    expect(new Map([...actual].sort())).toEqual(new Map([...expected].sort()));
    // Not vacuous: several codes of one class were merged in the Free zone's minute.
    const classOf = (status: string) => `${Math.min(5, Math.max(1, Math.floor(Number(status) / 100)))}xx`;
    expect(
      mergedRows(run, "example.org", ["edgeResponseStatus"], (d) => classOf(d.edgeResponseStatus ?? "")),
    ).toBeGreaterThan(0);
  });
});
