import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { colocation } from "../../../lambda/catalogue/groups/colocation.ts";
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

const visits = "cloudflare_zone_colocation_visits_total";
const bytes = "cloudflare_zone_colocation_edge_response_bytes_total";
const requests = "cloudflare_zone_colocation_requests_total";
const families = [visits, bytes, requests];
const fieldOf: Record<string, string> = {
  [visits]: "sum.visits",
  [bytes]: "sum.edgeResponseBytes",
  [requests]: "count",
};

/** Expected series; `hosts: false` is EXCLUDE_HOST (ground truth over all hosts at once). */
function expected(run: OneMinute, options: { hosts: boolean }): Map<string, number> {
  const simulator = run.harness.simulator;
  const out = new Map<string, number>();
  for (const zone of simulator.world.zones) {
    const rows = truthRows(simulator, {
      zoneTag: zone.id,
      from: run.from,
      to: run.to,
      by: ["coloCode", ...(options.hosts ? ["clientRequestHTTPHost"] : [])],
      fields: Object.values(fieldOf),
    });
    for (const { dims, values } of rows) {
      const labels = {
        zone: zone.name,
        colo: dims.coloCode ?? "",
        ...(options.hosts ? { host: dims.clientRequestHTTPHost ?? "" } : {}),
      };
      for (const family of families) {
        const value = values[fieldOf[family] ?? ""] ?? 0;
        // Zero values (a colo and host without visits) make no series.
        if (value > 0) out.set(seriesKey(family, labels), value);
      }
    }
  }
  return out;
}

describe("colocation", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(colocation, { world: busyFreeZoneWorld });
  });
  afterAll(() => run.harness.close());

  it("counts every zone's visits, bytes and requests by colo and host exactly, the free zone included", async () => {
    expectNoErrors(run);
    const actual = await storedSeries(run, families);
    expectSameSeries(actual, expected(run, { hosts: true }));
    for (const family of families) {
      expect(ofZone(actual, "example.org", family).length, family).toBeGreaterThan(0);
    }
    // One series per colo and host, not one per event time or origin status (the reference's duplicates).
    const keys = ofZone(actual, "example.org", requests);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("colocation with EXCLUDE_HOST", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(colocation, { world: busyFreeZoneWorld, env: { EXCLUDE_HOST: "true" } });
  });
  afterAll(() => run.harness.close());

  it("adds the hosts' rows of one colo before counting", async () => {
    expectNoErrors(run);
    expectSameSeries(await storedSeries(run, families), expected(run, { hosts: false }));
    expect(
      mergedRows(run, "example.org", ["coloCode", "clientRequestHTTPHost"], (d) => `${d.coloCode}`),
    ).toBeGreaterThan(0);
  });
});
