import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthChecks } from "../../../lambda/catalogue/groups/health-checks.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import type { OneMinute } from "../../collect/group-test.ts";
import {
  add,
  countMinutes,
  expectNoErrors,
  expectSameSeries,
  storedSeries,
  truthRows,
  zoneNamed,
} from "./zone-dataset-truth.ts";

/**
 * `health-checks` against the simulator over twelve hours, so every second origin's
 * seeded 15-minute outage (one per six hours) falls inside: every stored series compared
 * with the ground truth of `healthCheckEventsAdaptiveGroups`. Labels by hand: health_status
 * → `healthStatus`, origin_ip → `originIP`, region → `region`, fqdn → `fqdn`,
 * failure_reason → `failureReason`. Only the load-balanced zones (Business and Enterprise
 * in the default world) have health checks; Pro zones have the dataset but no events.
 */
const dataset = "healthCheckEventsAdaptiveGroups";
const family = "cloudflare_zone_health_check_events_origin_total";
const minutes = 12 * 60;
const checkedZones = ["example.com", "example-shop.com"];

function expected(run: OneMinute): Map<string, number> {
  const simulator = run.harness.simulator;
  const out = new Map<string, number>();
  for (const name of checkedZones) {
    const zone = zoneNamed(simulator, name);
    const rows = truthRows(simulator, {
      dataset,
      zoneTag: zone.id,
      from: run.from,
      to: run.to,
      by: ["healthStatus", "originIP", "region", "fqdn", "failureReason"],
      fields: ["count"],
    });
    for (const { dims, values } of rows) {
      const labels = {
        zone: zone.name,
        health_status: dims.healthStatus ?? "",
        origin_ip: dims.originIP ?? "",
        region: dims.region ?? "",
        fqdn: dims.fqdn ?? "",
        failure_reason: dims.failureReason ?? "",
      };
      add(out, seriesKey(family, labels), values.count ?? 0);
    }
  }
  return out;
}

describe("health-checks (default world)", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countMinutes(healthChecks, minutes);
  });
  afterAll(() => run.harness.close());

  it("counts every series of every zone with health checks exactly, and nothing elsewhere", async () => {
    expectNoErrors(run);
    const want = expected(run);
    expectSameSeries(await storedSeries(run, [family]), want);
    for (const zone of checkedZones) {
      expect(
        [...want.keys()].some((key) => key.includes(`zone="${zone}"`)),
        zone,
      ).toBe(true);
    }
  });

  it("includes failed checks with their reason (not vacuous)", async () => {
    const keys = [...(await storedSeries(run, [family])).keys()];
    expect(
      keys.some(
        (key) =>
          key.includes('failure_reason="Response timeout"') && key.includes('health_status="unhealthy"'),
      ),
    ).toBe(true);
    expect(
      keys.some((key) => key.includes('failure_reason=""') && key.includes('health_status="healthy"')),
    ).toBe(true);
  });
});
