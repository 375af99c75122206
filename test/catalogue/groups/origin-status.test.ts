import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { originStatus } from "../../../lambda/catalogue/groups/origin-status.ts";
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

const byOrigin = "cloudflare_zone_requests_origin_status_country_host_total";

/** A status class by hand: 0 (no origin response) and codes below 200 are `1xx`. */
function classOf(status: string): string {
  const code = Number(status);
  if (code < 200) return "1xx";
  return `${Math.min(5, Math.floor(code / 100))}xx`;
}

/**
 * Expected series. `hosts: false` is EXCLUDE_HOST; `classes: true` is CF_HTTP_STATUS_GROUP
 * (rows of one class, country and host add up).
 */
function expected(run: OneMinute, options: { hosts: boolean; classes: boolean }): Map<string, number> {
  const simulator = run.harness.simulator;
  const out = new Map<string, number>();
  for (const zone of simulator.world.zones) {
    const rows = truthRows(simulator, {
      zoneTag: zone.id,
      from: run.from,
      to: run.to,
      by: ["originResponseStatus", "clientCountryName", ...(options.hosts ? ["clientRequestHTTPHost"] : [])],
      fields: ["count"],
    });
    for (const { dims, values } of rows) {
      const status = dims.originResponseStatus ?? "";
      const key = seriesKey(byOrigin, {
        zone: zone.name,
        origin_status: options.classes ? classOf(status) : status,
        country: dims.clientCountryName ?? "",
        ...(options.hosts ? { host: dims.clientRequestHTTPHost ?? "" } : {}),
      });
      const count = values.count ?? 0;
      if (count > 0) out.set(key, (out.get(key) ?? 0) + count);
    }
  }
  return out;
}

describe("origin-status", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(originStatus, { world: busyFreeZoneWorld });
  });
  afterAll(() => run.harness.close());

  it("counts every zone's requests by origin status, country and host exactly, the free zone included", async () => {
    expectNoErrors(run);
    const actual = await storedSeries(run, [byOrigin]);
    expectSameSeries(actual, expected(run, { hosts: true, classes: false }));
    const keys = ofZone(actual, "example.org", byOrigin);
    // Requests that never reached the origin (cache hits, blocks) are origin_status "0".
    expect(keys.some((key) => key.includes('origin_status="0"'))).toBe(true);
    expect(keys.some((key) => !key.includes('origin_status="0"'))).toBe(true);
  });
});

describe("origin-status with EXCLUDE_HOST", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(originStatus, { world: busyFreeZoneWorld, env: { EXCLUDE_HOST: "true" } });
  });
  afterAll(() => run.harness.close());

  it("adds the hosts' rows of one status and country before counting", async () => {
    expectNoErrors(run);
    expectSameSeries(await storedSeries(run, [byOrigin]), expected(run, { hosts: false, classes: false }));
    const merged = mergedRows(
      run,
      "example.org",
      ["originResponseStatus", "clientCountryName", "clientRequestHTTPHost"],
      (d) => `${d.originResponseStatus}/${d.clientCountryName}`,
    );
    expect(merged).toBeGreaterThan(0);
  });
});

describe("origin-status with CF_HTTP_STATUS_GROUP", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(originStatus, {
      world: busyFreeZoneWorld,
      env: { CF_HTTP_STATUS_GROUP: "true" },
    });
  });
  afterAll(() => run.harness.close());

  it("adds the codes of one class before counting; 0 (no origin response) is 1xx", async () => {
    expectNoErrors(run);
    const actual = await storedSeries(run, [byOrigin]);
    expectSameSeries(actual, expected(run, { hosts: true, classes: true }));
    expect(ofZone(actual, "example.org", byOrigin).some((key) => key.includes('origin_status="1xx"'))).toBe(
      true,
    );
    // Not vacuous: in some zone two codes of one class came from one country and host.
    const merged = run.harness.simulator.world.zones.map((zone) =>
      mergedRows(
        run,
        zone.name,
        ["originResponseStatus", "clientCountryName", "clientRequestHTTPHost"],
        (d) => `${classOf(d.originResponseStatus ?? "")}/${d.clientCountryName}/${d.clientRequestHTTPHost}`,
      ),
    );
    expect(Math.max(...merged)).toBeGreaterThan(0);
  });
});
