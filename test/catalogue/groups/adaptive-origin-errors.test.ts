import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { adaptiveOriginErrors } from "../../../lambda/catalogue/groups/adaptive-origin-errors.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import type { WorldSpec } from "../../../local/simulator/world.ts";
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
  type Where,
} from "./adaptive-truth.ts";

const error4xx = "cloudflare_zone_customer_error_4xx_total";
const error5xx = "cloudflare_zone_customer_error_5xx_total";
const duration = "cloudflare_zone_origin_response_duration_seconds";
const errorRate = "cloudflare_zone_origin_error_rate";
const families = [error4xx, error5xx, duration, errorRate];
const gauges = [duration, errorRate];

const errorCodes = [400, 404, 500, 502, 503, 504, 522, 523, 524];
const serverErrorCodes = [500, 502, 503, 504, 522, 523, 524];

/**
 * Origin errors are rare (a zone-minute has at most 48 traffic cells), so this test uses a
 * seed whose counted minute gives the busy free zone example.org 4xx and 5xx origin errors,
 * one status and country of them on two hosts. The checks below fail loudly if it stops doing so.
 */
const world: WorldSpec = { ...busyFreeZoneWorld, seed: "cloudflare-simulator-39" };

/** The group's filter by hand: not a cache hit, origin status in the list. */
function originErrors(run: OneMinute, zoneTag: string): Where {
  const cacheStatuses = valuesOf(run.harness.simulator, {
    zoneTag,
    from: run.from,
    to: run.to,
    dimension: "cacheStatus",
  });
  return {
    cacheStatus: cacheStatuses.filter((status) => status !== "hit"),
    originResponseStatus: errorCodes,
  };
}

/** Expected series; `hosts: false` is EXCLUDE_HOST (ground truth over all hosts at once). */
function expected(run: OneMinute, options: { hosts: boolean }): Map<string, number> {
  const simulator = run.harness.simulator;
  const out = new Map<string, number>();
  for (const zone of simulator.world.zones) {
    const range = { zoneTag: zone.id, from: run.from, to: run.to };
    const where = originErrors(run, zone.id);
    const rows = truthRows(simulator, {
      ...range,
      where,
      by: ["originResponseStatus", "clientCountryName", ...(options.hosts ? ["clientRequestHTTPHost"] : [])],
      fields: ["count", "avg.originResponseDurationMs"],
    });
    for (const { dims, values } of rows) {
      const labels = {
        zone: zone.name,
        status: dims.originResponseStatus ?? "",
        country: dims.clientCountryName ?? "",
        ...(options.hosts ? { host: dims.clientRequestHTTPHost ?? "" } : {}),
      };
      const count = values.count ?? 0;
      if (count > 0)
        out.set(seriesKey(Number(dims.originResponseStatus) >= 500 ? error5xx : error4xx, labels), count);
      out.set(seriesKey(duration, labels), (values["avg.originResponseDurationMs"] ?? 0) / 1000);
    }
    const all = truthOf(simulator, { ...range, where, field: "count" });
    const fives = truthOf(simulator, {
      ...range,
      where: { ...where, originResponseStatus: serverErrorCodes },
      field: "count",
    });
    if (all > 0) out.set(seriesKey(errorRate, { zone: zone.name }), fives / all);
  }
  return out;
}

describe("adaptive-origin-errors", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(adaptiveOriginErrors, { world });
  });
  afterAll(() => run.harness.close());

  it("counts every zone's origin errors exactly, the free zone included", async () => {
    expectNoErrors(run);
    const actual = await storedSeries(run, families);
    expectSameSeries(actual, expected(run, { hosts: true }), gauges);
    for (const family of families) {
      expect(ofZone(actual, "example.org", family).length, family).toBeGreaterThan(0);
    }
    const rate = actual.get(seriesKey(errorRate, { zone: "example.org" })) ?? Number.NaN;
    expect(rate > 0 && rate < 1).toBe(true);
  });
});

describe("adaptive-origin-errors with EXCLUDE_HOST", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(adaptiveOriginErrors, { world, env: { EXCLUDE_HOST: "true" } });
  });
  afterAll(() => run.harness.close());

  it("merges the hosts' rows before counting: counters add, durations are the count-weighted mean", async () => {
    expectNoErrors(run);
    expectSameSeries(await storedSeries(run, families), expected(run, { hosts: false }), gauges);
    const zone = run.harness.simulator.world.zones.find((z) => z.name === "example.org");
    if (!zone) throw new Error("no example.org");
    const merged = mergedRows(
      run,
      zone.name,
      ["originResponseStatus", "clientCountryName", "clientRequestHTTPHost"],
      (d) => `${d.originResponseStatus}/${d.clientCountryName}`,
      originErrors(run, zone.id),
    );
    expect(merged).toBeGreaterThan(0);
  });
});

describe("adaptive-origin-errors with CF_HTTP_STATUS_GROUP", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(adaptiveOriginErrors, { world, env: { CF_HTTP_STATUS_GROUP: "true" } });
  });
  afterAll(() => run.harness.close());

  it("labels status classes and still splits the families by the raw code", async () => {
    expectNoErrors(run);
    const simulator = run.harness.simulator;
    const want = new Map<string, number>();
    for (const zone of simulator.world.zones) {
      const where = originErrors(run, zone.id);
      for (const [status, family, codes] of [
        ["4xx", error4xx, [400, 404]],
        ["5xx", error5xx, serverErrorCodes],
      ] as const) {
        const rows = truthRows(simulator, {
          zoneTag: zone.id,
          from: run.from,
          to: run.to,
          where: { ...where, originResponseStatus: codes },
          by: ["clientCountryName", "clientRequestHTTPHost"],
          fields: ["count", "avg.originResponseDurationMs"],
        });
        for (const { dims, values } of rows) {
          const labels = {
            zone: zone.name,
            status,
            country: dims.clientCountryName ?? "",
            host: dims.clientRequestHTTPHost ?? "",
          };
          want.set(seriesKey(family, labels), values.count ?? 0);
          want.set(seriesKey(duration, labels), (values["avg.originResponseDurationMs"] ?? 0) / 1000);
        }
      }
    }
    expectSameSeries(await storedSeries(run, [error4xx, error5xx, duration]), want, [duration]);
  });
});

describe("adaptive-origin-errors rows that land on one series", () => {
  // Rows as Cloudflare returns them, crafted so both label options merge some of them.
  const minute = "2026-11-20T12:00:00Z";
  const row = (status: number, host: string, count: number, ms: number) => ({
    count,
    avg: { originResponseDurationMs: ms },
    dimensions: {
      datetimeMinute: minute,
      originResponseStatus: status,
      clientCountryName: "US",
      clientRequestHTTPHost: host,
    },
  });
  const rows = z
    .array(adaptiveOriginErrors.rowSchema)
    .parse([row(502, "a.example", 3, 100), row(504, "b.example", 1, 500), row(404, "a.example", 4, 20)]);
  const scope = { name: "zone" as const, value: "example.org" };

  it("adds counters, takes the count-weighted mean duration and the 5xx share", () => {
    const samples = samplesByMinute(adaptiveOriginErrors, rows, scope, {
      excludeHost: true,
      httpStatusGroup: true,
    });
    const values = new Map(
      [...(samples.get(Date.parse(minute) / 1000) ?? [])].map(([key, s]) => [key, s.value]),
    );
    const labels = (status: string) => ({ zone: "example.org", status, country: "US" });
    expect(values).toEqual(
      new Map([
        [seriesKey(error5xx, labels("5xx")), 4],
        [seriesKey(duration, labels("5xx")), (3 * 0.1 + 1 * 0.5) / 4],
        [seriesKey(errorRate, { zone: "example.org" }), 4 / 8],
        [seriesKey(error4xx, labels("4xx")), 4],
        [seriesKey(duration, labels("4xx")), 0.02],
      ]),
    );
  });
});
