import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workers } from "../../../lambda/catalogue/groups/workers.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import type { WorldSpec } from "../../../local/simulator/world.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";

/**
 * `workers` against the simulator: one known minute, every stored series compared with the
 * ground truth of `workersInvocationsAdaptive` for that minute (label `script_name` →
 * dimension `scriptName`; quantile "0.5" → field `quantiles.…P50`).
 */
const dataset = "workersInvocationsAdaptive";
const levels = [
  ["0.5", "P50"],
  ["0.75", "P75"],
  ["0.99", "P99"],
  ["0.999", "P999"],
] as const;

function expectedSeries(run: OneMinute, accountTag: string, account: string, scripts: readonly string[]) {
  const { from, to } = run;
  const truth = (field: string, scriptName: string) =>
    run.harness.simulator.groundTruth({ dataset, accountTag, field, where: { scriptName }, from, to });
  const counters = new Map<string, number>();
  const gauges = new Map<string, number>();
  for (const script_name of scripts) {
    counters.set(
      seriesKey("cloudflare_worker_requests_total", { account, script_name }),
      truth("sum.requests", script_name),
    );
    counters.set(
      seriesKey("cloudflare_worker_errors_total", { account, script_name }),
      truth("sum.errors", script_name),
    );
    for (const [quantile, level] of levels) {
      gauges.set(
        seriesKey("cloudflare_worker_cpu_time_seconds", { account, quantile, script_name }),
        truth(`quantiles.cpuTime${level}`, script_name) / 1e6,
      );
      gauges.set(
        seriesKey("cloudflare_worker_duration_gigabyte_seconds", { account, quantile, script_name }),
        truth(`quantiles.duration${level}`, script_name),
      );
    }
  }
  return { counters, gauges };
}

function expectExact(
  stored: ReadonlyMap<string, number>,
  expected: { counters: ReadonlyMap<string, number>; gauges: ReadonlyMap<string, number> },
) {
  expect([...stored.keys()].sort()).toEqual([...expected.counters.keys(), ...expected.gauges.keys()].sort());
  for (const [key, value] of expected.counters) expect(stored.get(key), key).toBe(value);
  for (const [key, value] of expected.gauges) expect(stored.get(key), key).toBeCloseTo(value, 9);
}

describe("workers (default world)", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(workers);
  });
  afterAll(async () => {
    await run.harness.close();
  });
  const account = (name: string) => {
    const found = run.harness.simulator.world.accounts.find((a) => a.name === name);
    if (!found) throw new Error(name);
    return found;
  };

  it("collects every account without errors", () => {
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
  });

  it("Example Corp: requests, errors and quantiles per script equal the ground truth", async () => {
    const corp = account("Example Corp");
    const stored = await run.series(corp.id);
    const expected = expectedSeries(run, corp.id, "example-corp", ["api-gateway", "image-resizer"]);
    expect([...expected.counters.values()].some((v) => v > 0)).toBe(true);
    expectExact(stored, expected);
  });

  it("Side Project: its one script equals the ground truth", async () => {
    const side = account("Side Project");
    expectExact(await run.series(side.id), expectedSeries(run, side.id, "side-project", ["hello-world"]));
  });

  it("requests of a script summed over statuses (not a label) are the counter: no duplicate rows", async () => {
    const corp = account("Example Corp");
    const stored = await run.series(corp.id);
    let statuses = 0;
    for (const scriptName of ["api-gateway", "image-resizer"]) {
      const byStatus = run.harness.simulator.groundTruthBy({
        dataset,
        accountTag: corp.id,
        field: "sum.requests",
        where: { scriptName },
        by: "status",
        from: run.from,
        to: run.to,
      });
      statuses = Math.max(statuses, byStatus.size);
      const total = [...byStatus.values()].reduce((a, b) => a + b, 0);
      expect(
        stored.get(
          seriesKey("cloudflare_worker_requests_total", { account: "example-corp", script_name: scriptName }),
        ),
      ).toBe(total);
    }
    // Some script had several statuses in the minute: the reference got one row per status here (issue #12).
    expect(statuses).toBeGreaterThan(1);
  });
});

describe("workers (an account without zones)", () => {
  // The reference exported no account-level metrics for accounts without zones (spec §2, C12).
  const world: WorldSpec = {
    seed: "workers-only",
    accounts: [{ name: "Edge Functions Ltd", workers: ["edge-router", "thumbnailer"] }],
    tokens: [{ value: "sim-token" }],
  };
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(workers, { world });
  });
  afterAll(async () => {
    await run.harness.close();
  });

  it("counts its workers exactly", async () => {
    const [account] = run.harness.simulator.world.accounts;
    if (!account) throw new Error("no account");
    expect(run.harness.simulator.world.zones).toEqual([]);
    expect(run.summaries).toHaveLength(1);
    expect(run.summaries[0]?.errors).toEqual([]);
    expect(run.summaries[0]?.minutesCounted).toBe(1);
    const expected = expectedSeries(run, account.id, "edge-functions-ltd", ["edge-router", "thumbnailer"]);
    expect([...expected.counters.values()].every((v) => v >= 0)).toBe(true);
    expect(
      expected.counters.get(
        seriesKey("cloudflare_worker_requests_total", {
          account: "edge-functions-ltd",
          script_name: "edge-router",
        }),
      ),
    ).toBeGreaterThan(0);
    expectExact(await run.series(account.id), expected);
  });
});

describe("workers mapping", () => {
  const row = (status: string, requests: number, errors: number, cpuTimeP50: number) => ({
    dimensions: { datetimeMinute: 600, scriptName: "api", status },
    sum: { requests, errors },
    quantiles: {
      cpuTimeP50,
      cpuTimeP75: 0,
      cpuTimeP99: 0,
      cpuTimeP999: 0,
      durationP50: 0.25,
      durationP75: 0,
      durationP99: 0,
      durationP999: 0,
    },
  });

  it("adds two rows of one script in one minute before counting", () => {
    const samples = samplesByMinute(
      workers,
      [row("success", 100, 0, 2_000), row("scriptThrewException", 3, 3, 9_000)],
      { name: "account", value: "acme" },
    ).get(600);
    const key = (name: string, labels: Record<string, string> = {}) =>
      seriesKey(name, { account: "acme", script_name: "api", ...labels });
    expect(samples?.get(key("cloudflare_worker_requests_total"))?.value).toBe(103);
    expect(samples?.get(key("cloudflare_worker_errors_total"))?.value).toBe(3);
    // Never happens with the real selection (one row per script and minute); max is the fallback.
    expect(samples?.get(key("cloudflare_worker_cpu_time_seconds", { quantile: "0.5" }))?.value).toBe(0.009);
    expect(samples?.get(key("cloudflare_worker_duration_gigabyte_seconds", { quantile: "0.5" }))?.value).toBe(
      0.25,
    );
  });

  it("exports no seconds-labelled duration (GB·s is not a time)", () => {
    expect(workers.series.map((s) => s.family.name)).not.toContain("cloudflare_worker_duration_seconds");
  });
});
