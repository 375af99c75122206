import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBalancerRequests } from "../../../lambda/catalogue/groups/load-balancer-requests.ts";
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
 * `load-balancer-requests` against the simulator over two hours, so every second origin's
 * seeded outage may show as traffic moving to the first: every stored series compared
 * with the ground truth of `loadBalancingRequestsAdaptiveGroups`. Labels by hand: lb_name
 * → `lbName`, pool_name → `selectedPoolName`, origin_name → `selectedOriginName`. Only
 * Business and Enterprise zones have load balancers in the default world.
 */
const dataset = "loadBalancingRequestsAdaptiveGroups";
const family = "cloudflare_zone_pool_requests_total";
const balancedZones = ["example.com", "example-shop.com"];

function expected(run: OneMinute): Map<string, number> {
  const simulator = run.harness.simulator;
  const out = new Map<string, number>();
  for (const name of balancedZones) {
    const zone = zoneNamed(simulator, name);
    const rows = truthRows(simulator, {
      dataset,
      zoneTag: zone.id,
      from: run.from,
      to: run.to,
      by: ["lbName", "selectedPoolName", "selectedOriginName"],
      fields: ["count"],
    });
    for (const { dims, values } of rows) {
      const labels = {
        zone: zone.name,
        lb_name: dims.lbName ?? "",
        pool_name: dims.selectedPoolName ?? "",
        origin_name: dims.selectedOriginName ?? "",
      };
      add(out, seriesKey(family, labels), values.count ?? 0);
    }
  }
  return out;
}

describe("load-balancer-requests (default world)", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countMinutes(loadBalancerRequests, 120);
  });
  afterAll(() => run.harness.close());

  it("counts every series of every load-balanced zone exactly, and nothing elsewhere", async () => {
    expectNoErrors(run);
    const want = expected(run);
    // Two pools of two origins behind each zone's load balancer.
    expect(want.size).toBe(balancedZones.length * 4);
    expectSameSeries(await storedSeries(run, [family]), want);
  });
});
