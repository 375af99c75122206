import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { colocationOriginDuration } from "../../../lambda/catalogue/groups/colocation-origin-duration.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import { busyFreeZoneWorld, expectNoErrors, storedSeries, valuesOf } from "./adaptive-truth.ts";

const family = "cloudflare_zone_colocation_origin_response_duration_seconds";
const toOrigin = ["miss", "expired", "bypass", "dynamic"];

describe("colocation-origin-duration", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(colocationOriginDuration, { world: busyFreeZoneWorld });
  });
  afterAll(() => run.harness.close());

  it("holds Cloudflare's origin time percentiles per colo of the requests that went to the origin", async () => {
    expectNoErrors(run);
    const { simulator } = run.harness;
    const want = new Map<string, number>();
    for (const zone of simulator.world.zones) {
      const range = { zoneTag: zone.id, from: run.from, to: run.to };
      for (const colo of valuesOf(simulator, { ...range, dimension: "coloCode" })) {
        const where = { coloCode: colo, cacheStatus: toOrigin };
        const base = { dataset: "httpRequestsAdaptiveGroups", ...range, where };
        if (simulator.groundTruth({ ...base, field: "count" }) === 0) continue;
        for (const [quantile, suffix] of [
          ["0.5", "P50"],
          ["0.95", "P95"],
          ["0.99", "P99"],
        ] as const) {
          const ms = simulator.groundTruth({ ...base, field: `quantiles.originResponseDurationMs${suffix}` });
          want.set(seriesKey(family, { zone: zone.name, colo, quantile }), ms / 1000);
        }
      }
    }
    expect(want.size).toBeGreaterThan(30);
    const actual = await storedSeries(run, [family]);
    expect([...actual.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, value] of want) expect(actual.get(key), key).toBeCloseTo(value, 9);
    // Not vacuous: some percentile is above 0.
    expect(Math.max(...actual.values())).toBeGreaterThan(0);
  });

  it("keeps the highest of two rows of one colo and minute (a duplicate row) instead of adding them", () => {
    const row = (p50: number) => ({
      count: 3,
      dimensions: { datetimeMinute: 600, coloCode: "FRA" },
      quantiles: {
        originResponseDurationMsP50: p50,
        originResponseDurationMsP95: 400,
        originResponseDurationMsP99: 500,
      },
    });
    const samples = samplesByMinute(colocationOriginDuration, [row(100), row(300)], {
      name: "zone",
      value: "z",
    });
    expect(samples.get(600)?.get(seriesKey(family, { zone: "z", colo: "FRA", quantile: "0.5" }))?.value).toBe(
      0.3,
    );
  });
});
