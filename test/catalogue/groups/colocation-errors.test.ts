import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { colocationErrors } from "../../../lambda/catalogue/groups/colocation-errors.ts";
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
  valuesOf,
} from "./adaptive-truth.ts";

const visits = "cloudflare_zone_colocation_error_visits_total";
const bytes = "cloudflare_zone_colocation_error_edge_response_bytes_total";
const requests = "cloudflare_zone_colocation_error_requests_total";
const families = [visits, bytes, requests];
const fieldOf: Record<string, string> = {
  [visits]: "sum.visits",
  [bytes]: "sum.edgeResponseBytes",
  [requests]: "count",
};

/** The statuses of the zone's minute in one range, the group's `edgeResponseStatus_geq: 400` by hand. */
function statuses(run: OneMinute, zoneTag: string, low: number, high = Number.POSITIVE_INFINITY): string[] {
  return valuesOf(run.harness.simulator, {
    zoneTag,
    from: run.from,
    to: run.to,
    dimension: "edgeResponseStatus",
  }).filter((status) => Number(status) >= low && Number(status) < high);
}

/**
 * Expected series. Plain: by colo, host and status code. `merged`: EXCLUDE_HOST and
 * CF_HTTP_STATUS_GROUP, i.e. by colo and status class over all hosts.
 */
function expected(run: OneMinute, options: { merged: boolean }): Map<string, number> {
  const simulator = run.harness.simulator;
  const out = new Map<string, number>();
  for (const zone of simulator.world.zones) {
    const range = { zoneTag: zone.id, from: run.from, to: run.to };
    const add = (labels: Record<string, string>, values: Record<string, number>) => {
      for (const family of families) {
        const value = values[fieldOf[family] ?? ""] ?? 0;
        if (value > 0) out.set(seriesKey(family, { zone: zone.name, ...labels }), value);
      }
    };
    if (!options.merged) {
      const rows = truthRows(simulator, {
        ...range,
        where: { edgeResponseStatus: statuses(run, zone.id, 400) },
        by: ["coloCode", "clientRequestHTTPHost", "edgeResponseStatus"],
        fields: Object.values(fieldOf),
      });
      for (const { dims, values } of rows) {
        add(
          {
            colo: dims.coloCode ?? "",
            host: dims.clientRequestHTTPHost ?? "",
            status: dims.edgeResponseStatus ?? "",
          },
          values,
        );
      }
      continue;
    }
    for (const [status, low, high] of [
      ["4xx", 400, 500],
      ["5xx", 500, Number.POSITIVE_INFINITY],
    ] as const) {
      const rows = truthRows(simulator, {
        ...range,
        where: { edgeResponseStatus: statuses(run, zone.id, low, high) },
        by: ["coloCode"],
        fields: Object.values(fieldOf),
      });
      for (const { dims, values } of rows) add({ colo: dims.coloCode ?? "", status }, values);
    }
  }
  return out;
}

describe("colocation-errors", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(colocationErrors, { world: busyFreeZoneWorld });
  });
  afterAll(() => run.harness.close());

  it("counts every zone's error visits, bytes and requests by colo, host and status exactly", async () => {
    expectNoErrors(run);
    const actual = await storedSeries(run, families);
    expectSameSeries(actual, expected(run, { merged: false }));
    for (const family of families) {
      expect(ofZone(actual, "example.org", family).length, family).toBeGreaterThan(0);
    }
  });
});

describe("colocation-errors with EXCLUDE_HOST and CF_HTTP_STATUS_GROUP", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(colocationErrors, {
      world: busyFreeZoneWorld,
      env: { EXCLUDE_HOST: "true", CF_HTTP_STATUS_GROUP: "true" },
    });
  });
  afterAll(() => run.harness.close());

  it("adds the rows of one colo and status class over hosts and codes before counting", async () => {
    expectNoErrors(run);
    expectSameSeries(await storedSeries(run, families), expected(run, { merged: true }));
    // Not vacuous: in some zone a colo had errors of one class on several hosts or with several codes.
    const merged = run.harness.simulator.world.zones.map((zone) =>
      mergedRows(
        run,
        zone.name,
        ["coloCode", "clientRequestHTTPHost", "edgeResponseStatus"],
        (d) => `${d.coloCode}/${Number(d.edgeResponseStatus) >= 500 ? "5xx" : "4xx"}`,
        { edgeResponseStatus: statuses(run, zone.id, 400) },
      ),
    );
    expect(Math.max(...merged)).toBeGreaterThan(0);
  });
});
