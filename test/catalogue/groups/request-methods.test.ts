import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestMethods } from "../../../lambda/catalogue/groups/request-methods.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import {
  busyFreeZoneWorld,
  expectNoErrors,
  expectSameSeries,
  ofZone,
  storedSeries,
  truthOf,
  truthRows,
} from "./adaptive-truth.ts";

const byMethod = "cloudflare_zone_requests_by_method_total";

function expected(run: OneMinute): Map<string, number> {
  const simulator = run.harness.simulator;
  const out = new Map<string, number>();
  for (const zone of simulator.world.zones) {
    const rows = truthRows(simulator, {
      zoneTag: zone.id,
      from: run.from,
      to: run.to,
      by: ["clientRequestHTTPMethodName"],
      fields: ["count"],
    });
    for (const { dims, values } of rows) {
      const count = values.count ?? 0;
      if (count > 0)
        out.set(
          seriesKey(byMethod, { zone: zone.name, method: dims.clientRequestHTTPMethodName ?? "" }),
          count,
        );
    }
  }
  return out;
}

describe("request-methods", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(requestMethods, { world: busyFreeZoneWorld });
  });
  afterAll(() => run.harness.close());

  it("counts every zone's requests by method exactly, the free zone included", async () => {
    expectNoErrors(run);
    const actual = await storedSeries(run, [byMethod]);
    expectSameSeries(actual, expected(run));
    // The free zone's methods add up to all its requests in the minute.
    const zone = run.harness.simulator.world.zones.find((z) => z.name === "example.org");
    if (!zone) throw new Error("no example.org");
    const keys = ofZone(actual, zone.name, byMethod);
    expect(keys.length).toBeGreaterThan(1);
    expect(keys.reduce((sum, key) => sum + (actual.get(key) ?? 0), 0)).toBe(
      truthOf(run.harness.simulator, { zoneTag: zone.id, from: run.from, to: run.to, field: "count" }),
    );
  });
});

describe("request-methods with EXCLUDE_HOST", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(requestMethods, { world: busyFreeZoneWorld, env: { EXCLUDE_HOST: "true" } });
  });
  afterAll(() => run.harness.close());

  it("is unchanged: the host is neither selected nor a label, so no rows split by it", async () => {
    expectNoErrors(run);
    expectSameSeries(await storedSeries(run, [byMethod]), expected(run));
  });
});
