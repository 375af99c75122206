import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edgeStatusCountryHost } from "../../../lambda/catalogue/groups/edge-status-country-host.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import {
  busyFreeZoneWorld,
  expectNoErrors,
  expectSameSeries,
  mergedRows,
  ofZone,
  storedSeries,
  truthOf,
  truthRows,
  valuesOf,
} from "./adaptive-truth.ts";

const requests = "cloudflare_zone_requests_status_country_host_total";
const errorRate = "cloudflare_zone_edge_error_rate";
const families = [requests, errorRate];

/** Expected series; `hosts: false` is EXCLUDE_HOST (ground truth over all hosts at once). */
function expected(run: OneMinute, options: { hosts: boolean }): Map<string, number> {
  const simulator = run.harness.simulator;
  const out = new Map<string, number>();
  for (const zone of simulator.world.zones) {
    const range = { zoneTag: zone.id, from: run.from, to: run.to };
    const by = [
      "edgeResponseStatus",
      "clientCountryName",
      ...(options.hosts ? ["clientRequestHTTPHost"] : []),
    ];
    for (const { dims, values } of truthRows(simulator, { ...range, by, fields: ["count"] })) {
      const labels = {
        zone: zone.name,
        edge_status: dims.edgeResponseStatus ?? "",
        country: dims.clientCountryName ?? "",
        ...(options.hosts ? { host: dims.clientRequestHTTPHost ?? "" } : {}),
      };
      if ((values.count ?? 0) > 0) out.set(seriesKey(requests, labels), values.count ?? 0);
    }
    const all = truthOf(simulator, { ...range, field: "count" });
    const errorStatuses = valuesOf(simulator, { ...range, dimension: "edgeResponseStatus" }).filter(
      (status) => Number(status) >= 400,
    );
    const errors = truthOf(simulator, {
      ...range,
      field: "count",
      where: { edgeResponseStatus: errorStatuses },
    });
    if (all > 0) out.set(seriesKey(errorRate, { zone: zone.name }), errors / all);
  }
  return out;
}

describe("edge-status-country-host", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(edgeStatusCountryHost, { world: busyFreeZoneWorld });
  });
  afterAll(() => run.harness.close());

  it("counts every zone's requests by edge status, country and host exactly, the free zone included", async () => {
    expectNoErrors(run);
    const actual = await storedSeries(run, families);
    expectSameSeries(actual, expected(run, { hosts: true }), [errorRate]);
    for (const family of families) {
      expect(ofZone(actual, "example.org", family).length, family).toBeGreaterThan(0);
    }
    const rate = actual.get(seriesKey(errorRate, { zone: "example.org" })) ?? Number.NaN;
    expect(rate > 0 && rate < 1).toBe(true);
  });
});

describe("edge-status-country-host with EXCLUDE_HOST", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(edgeStatusCountryHost, {
      world: busyFreeZoneWorld,
      env: { EXCLUDE_HOST: "true" },
    });
  });
  afterAll(() => run.harness.close());

  it("adds the hosts' rows of one status and country before counting", async () => {
    expectNoErrors(run);
    expectSameSeries(await storedSeries(run, families), expected(run, { hosts: false }), [errorRate]);
    // Not vacuous: in the free zone some status and country came from more than one host.
    expect(
      mergedRows(
        run,
        "example.org",
        ["edgeResponseStatus", "clientCountryName", "clientRequestHTTPHost"],
        (d) => `${d.edgeResponseStatus}/${d.clientCountryName}`,
      ),
    ).toBeGreaterThan(0);
  });
});
