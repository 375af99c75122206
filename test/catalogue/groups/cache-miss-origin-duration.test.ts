import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheMissOriginDuration } from "../../../lambda/catalogue/groups/cache-miss-origin-duration.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import {
  busyFreeZoneWorld,
  expectNoErrors,
  expectSameSeries,
  mergedRows,
  ofZone,
  storedSeries,
  truthRows,
} from "./adaptive-truth.ts";

const missDuration = "cloudflare_zone_cache_miss_origin_duration_seconds";

/** Expected gauges; `hosts: false` is EXCLUDE_HOST (the mean over all hosts' misses at once). */
function expected(run: OneMinute, options: { hosts: boolean }): Map<string, number> {
  const simulator = run.harness.simulator;
  const out = new Map<string, number>();
  for (const zone of simulator.world.zones) {
    const rows = truthRows(simulator, {
      zoneTag: zone.id,
      from: run.from,
      to: run.to,
      where: { cacheStatus: "miss" },
      by: ["clientCountryName", ...(options.hosts ? ["clientRequestHTTPHost"] : [])],
      fields: ["count", "avg.originResponseDurationMs"],
    });
    for (const { dims, values } of rows) {
      if ((values.count ?? 0) === 0) continue;
      const labels = {
        zone: zone.name,
        country: dims.clientCountryName ?? "",
        ...(options.hosts ? { host: dims.clientRequestHTTPHost ?? "" } : {}),
      };
      out.set(seriesKey(missDuration, labels), (values["avg.originResponseDurationMs"] ?? 0) / 1000);
    }
  }
  return out;
}

describe("cache-miss-origin-duration", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(cacheMissOriginDuration, { world: busyFreeZoneWorld });
  });
  afterAll(() => run.harness.close());

  it("stores every zone's mean origin time of cache misses, in seconds, the free zone included", async () => {
    expectNoErrors(run);
    const actual = await storedSeries(run, [missDuration]);
    expectSameSeries(actual, expected(run, { hosts: true }), [missDuration]);
    const keys = ofZone(actual, "example.org", missDuration);
    expect(keys.length).toBeGreaterThan(0);
    // Seconds, not milliseconds: the model's origin times are 15–900 ms.
    for (const key of keys) expect((actual.get(key) ?? 0) > 0.01 && (actual.get(key) ?? 0) < 1).toBe(true);
  });
});

describe("cache-miss-origin-duration with EXCLUDE_HOST", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(cacheMissOriginDuration, {
      world: busyFreeZoneWorld,
      env: { EXCLUDE_HOST: "true" },
    });
  });
  afterAll(() => run.harness.close());

  it("stores the count-weighted mean over the hosts' rows of one country", async () => {
    expectNoErrors(run);
    expectSameSeries(await storedSeries(run, [missDuration]), expected(run, { hosts: false }), [
      missDuration,
    ]);
    const merged = mergedRows(
      run,
      "example.org",
      ["clientCountryName", "clientRequestHTTPHost"],
      (d) => `${d.clientCountryName}`,
      { cacheStatus: "miss" },
    );
    expect(merged).toBeGreaterThan(0);
  });
});
