import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBalancerPools } from "../../../lambda/catalogue/groups/load-balancer-pools.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import type { Simulator } from "../../../local/simulator/server.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import {
  expectNoErrors,
  expectSameSeries,
  storedSeries,
  truthRows,
  zoneNamed,
} from "./zone-dataset-truth.ts";

/**
 * `load-balancer-pools` against the simulator, one known minute: every stored gauge
 * compared with the ground truth of `loadBalancingRequestsAdaptiveGroups` for that minute,
 * computed by hand from request counts per value of each dimension (lb_name → `lbName`,
 * pool_name → `selectedPoolName`, policy → `steeringPolicy`):
 * health = 0 if any request saw the pool unhealthy, else 1; RTT = request-weighted mean of
 * `selectedPoolAvgRttMs` over requests with an RTT, in seconds; origins = request-weighted
 * mean of `numberOriginsSelected`.
 */
const dataset = "loadBalancingRequestsAdaptiveGroups";
const health = "cloudflare_zone_pool_health_status";
const rtt = "cloudflare_zone_lb_pool_rtt_seconds";
const origins = "cloudflare_zone_lb_origins_selected";
const policy = "cloudflare_zone_lb_steering_policy_info";
const families = [health, rtt, origins, policy];
const balancedZones = ["example.com", "example-shop.com"];

/** Requests per value of `by`, for one pool's requests (or one load balancer's). */
function requestsBy(
  simulator: Simulator,
  run: OneMinute,
  zoneTag: string,
  where: Record<string, string>,
  by: string,
) {
  return simulator.groundTruthBy({ dataset, zoneTag, from: run.from, to: run.to, field: "count", where, by });
}

function weightedMean(counts: ReadonlyMap<string, number>, keep: (value: number) => boolean = () => true) {
  let sum = 0;
  let weight = 0;
  for (const [value, count] of counts) {
    if (!keep(Number(value))) continue;
    sum += Number(value) * count;
    weight += count;
  }
  return sum / weight;
}

function expected(run: OneMinute): Map<string, number> {
  const simulator = run.harness.simulator;
  const out = new Map<string, number>();
  for (const name of balancedZones) {
    const zone = zoneNamed(simulator, name);
    const pools = truthRows(simulator, {
      dataset,
      zoneTag: zone.id,
      from: run.from,
      to: run.to,
      by: ["lbName", "selectedPoolName"],
      fields: [],
    });
    for (const { dims } of pools) {
      const where = { lbName: dims.lbName ?? "", selectedPoolName: dims.selectedPoolName ?? "" };
      const labels = { zone: zone.name, lb_name: where.lbName, pool_name: where.selectedPoolName };
      const healthy = requestsBy(simulator, run, zone.id, where, "selectedPoolHealthy");
      out.set(seriesKey(health, labels), (healthy.get("0") ?? 0) > 0 ? 0 : 1);
      const rtts = requestsBy(simulator, run, zone.id, where, "selectedPoolAvgRttMs");
      out.set(seriesKey(rtt, labels), weightedMean(rtts, (ms) => ms > 0) / 1000);
      const selected = requestsBy(simulator, run, zone.id, where, "numberOriginsSelected");
      out.set(seriesKey(origins, labels), weightedMean(selected));
    }
    for (const lbName of new Set(pools.map((p) => p.dims.lbName ?? ""))) {
      for (const steering of requestsBy(simulator, run, zone.id, { lbName }, "steeringPolicy").keys()) {
        out.set(seriesKey(policy, { zone: zone.name, lb_name: lbName, policy: steering }), 1);
      }
    }
  }
  return out;
}

describe("load-balancer-pools (default world)", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(loadBalancerPools);
  });
  afterAll(() => run.harness.close());

  it("stores every pool's health, RTT and origins selected, and each load balancer's policy", async () => {
    expectNoErrors(run);
    const want = expected(run);
    // Two pools per load-balanced zone (three gauges each) and one policy per load balancer.
    expect(want.size).toBe(balancedZones.length * (2 * 3 + 1));
    expectSameSeries(await storedSeries(run, families), want, families);
  });

  it("merges several rows per pool (not vacuous): RTT differs between requests", () => {
    const simulator = run.harness.simulator;
    const zone = zoneNamed(simulator, "example.com");
    const [lb] = zone.loadBalancers;
    const pool = simulator.world.accounts.flatMap((a) => a.pools).find((p) => p.id === lb?.defaultPoolIds[0]);
    const rtts = requestsBy(
      simulator,
      run,
      zone.id,
      { lbName: lb?.name ?? "", selectedPoolName: pool?.name ?? "" },
      "selectedPoolAvgRttMs",
    );
    expect(rtts.size).toBeGreaterThan(1);
  });
});

describe("load-balancer-pools rows", () => {
  const row = (count: number, healthy: number, rttMs: number, originsSelected = 1) => ({
    count,
    dimensions: {
      datetimeMinute: 600,
      lbName: "lb.example.com",
      selectedPoolName: "primary",
      selectedPoolHealthy: healthy,
      selectedPoolAvgRttMs: rttMs,
      numberOriginsSelected: originsSelected,
      steeringPolicy: "dynamic_latency",
    },
  });
  const scope = { name: "zone" as const, value: "example.com" };
  const pool = { zone: "example.com", lb_name: "lb.example.com", pool_name: "primary" };
  const values = (rows: unknown[]) =>
    Object.fromEntries(
      [...(samplesByMinute(loadBalancerPools, rows, scope).get(600) ?? [])].map(([key, s]) => [key, s.value]),
    );

  it("is unhealthy when any request saw the pool unhealthy; averages weigh rows by requests", () => {
    const got = values([row(3, 1, 20, 1), row(1, 0, 60, 2), row(4, 1, 0, 1)]);
    expect(got[seriesKey(health, pool)]).toBe(0);
    // RTT: (3·20 + 1·60) / 4 requests with an RTT; the row without one is left out.
    expect(got[seriesKey(rtt, pool)]).toBeCloseTo(0.03, 12);
    expect(got[seriesKey(origins, pool)]).toBeCloseTo((3 * 1 + 1 * 2 + 4 * 1) / 8, 12);
    expect(
      got[seriesKey(policy, { zone: "example.com", lb_name: "lb.example.com", policy: "dynamic_latency" })],
    ).toBe(1);
  });

  it("is healthy when every request saw the pool healthy", () => {
    expect(values([row(3, 1, 20), row(2, 1, 30)])[seriesKey(health, pool)]).toBe(1);
  });
});
