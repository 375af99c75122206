import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logpushZone } from "../../../lambda/catalogue/groups/logpush-zone.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
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
 * `logpush-zone` against the simulator over twelve hours (about one push in twenty fails,
 * so one minute rarely shows any): every stored series compared with the ground truth of
 * `logpushHealthAdaptiveGroups` over pushes whose status is not 200. Labels by hand:
 * job_id → `jobId`, destination_type → `destinationType`; lost batches are the failed
 * pushes with `final` = 1. Zone Logpush health is Enterprise only: the Enterprise zone has
 * a job; the other zones are not asked and get nothing.
 */
const dataset = "logpushHealthAdaptiveGroups";
const failed = "cloudflare_logpush_failed_jobs_zone_total";
const lost = "cloudflare_logpush_lost_batches_zone_total";
const families = [failed, lost];
const minutes = 12 * 60;

function failedStatuses(run: OneMinute, zoneTag: string): string[] {
  const statuses = run.harness.simulator.groundTruthBy({
    dataset,
    zoneTag,
    from: run.from,
    to: run.to,
    field: "count",
    by: "status",
  });
  return [...statuses.keys()].filter((status) => status !== "200");
}

function expected(run: OneMinute, zoneName: string): Map<string, number> {
  const simulator = run.harness.simulator;
  const zone = zoneNamed(simulator, zoneName);
  const out = new Map<string, number>();
  const rows = truthRows(simulator, {
    dataset,
    zoneTag: zone.id,
    from: run.from,
    to: run.to,
    where: { status: failedStatuses(run, zone.id) },
    by: ["jobId", "destinationType", "final"],
    fields: ["count"],
  });
  for (const { dims, values } of rows) {
    const labels = {
      zone: zone.name,
      job_id: dims.jobId ?? "",
      destination_type: dims.destinationType ?? "",
    };
    add(out, seriesKey(failed, labels), values.count ?? 0);
    if (dims.final === "1") add(out, seriesKey(lost, labels), values.count ?? 0);
  }
  return out;
}

describe("logpush-zone (default world)", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countMinutes(logpushZone, minutes);
  });
  afterAll(() => run.harness.close());

  it("counts failed pushes and lost batches of the Enterprise zone's job exactly, and nothing elsewhere", async () => {
    expectNoErrors(run);
    const want = expected(run, "example.com");
    expect(want.size).toBe(2);
    expectSameSeries(await storedSeries(run, families), want);
    // Retries that succeeded make the two differ.
    expect(want.get([...want.keys()].find((k) => k.startsWith(failed)) ?? "")).toBeGreaterThan(
      want.get([...want.keys()].find((k) => k.startsWith(lost)) ?? "") ?? 0,
    );
  });

  it("adds a batch's failed first attempt and failed retry of one minute before counting (not vacuous)", () => {
    const simulator = run.harness.simulator;
    const zone = zoneNamed(simulator, "example.com");
    const perMinute = truthRows(simulator, {
      dataset,
      zoneTag: zone.id,
      from: run.from,
      to: run.to,
      where: { status: failedStatuses(run, zone.id) },
      by: ["datetimeMinute", "final"],
      fields: [],
    });
    const finals = new Map<string, number>();
    for (const { dims } of perMinute)
      finals.set(dims.datetimeMinute ?? "", (finals.get(dims.datetimeMinute ?? "") ?? 0) + 1);
    expect(Math.max(...finals.values())).toBe(2);
  });
});

describe("logpush-zone rows", () => {
  const row = (final: number, count: number) => ({
    count,
    dimensions: { datetimeMinute: 600, jobId: 1001, destinationType: "s3", final },
  });
  const labels = { zone: "example.com", job_id: "1001", destination_type: "s3" };

  it("counts every failed attempt, and the final ones as lost batches", () => {
    const samples = samplesByMinute(logpushZone, [row(0, 2), row(1, 1)], {
      name: "zone",
      value: "example.com",
    });
    expect(Object.fromEntries([...(samples.get(600) ?? [])].map(([key, s]) => [key, s.value]))).toEqual({
      [seriesKey(failed, labels)]: 3,
      [seriesKey(lost, labels)]: 1,
    });
  });
});
