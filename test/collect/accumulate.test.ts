import { describe, expect, it } from "vitest";
import { z } from "zod";
import { advanceShard, samplesByMinute } from "../../lambda/collect/accumulate.ts";
import { breakdown, counter, defineQueryGroup, gauge, single } from "../../lambda/collect/query-group.ts";
import { seriesKey } from "../../lambda/collect/series-key.ts";
import {
  countableEnd,
  halve,
  initialStart,
  oldestQueryable,
  splitRange,
} from "../../lambda/collect/windows.ts";
import type { Shard } from "../../lambda/store/shards.ts";

type Row = { minute: number; script: string; status: string; requests: number; p50: number };
/** Rows split by a dimension (status) that is not a label: the reference's duplicate-row trap. */
const workers = defineQueryGroup<Row>({
  name: "test",
  scope: "account",
  dataset: "workersInvocationsAdaptive",
  document: "",
  rowSchema: z.object({
    minute: z.number(),
    script: z.string(),
    status: z.string(),
    requests: z.number(),
    p50: z.number(),
  }),
  minuteOf: (row) => row.minute,
  shards: 1,
  series: [
    breakdown(
      counter("worker_requests_total", "", ["script_name"]),
      (r) => [r],
      (r) => r.script,
      (r) => r.requests,
    ),
    { ...single(gauge("worker_cpu_p50", ""), (r) => r.p50), merge: "max" },
  ],
});

const emptyShard: Shard = {
  group: "test",
  scopeId: "acct",
  index: 0,
  cursor: 600,
  start: 600,
  series: {},
  lostMinutes: 0,
  stored: false,
};
const options = { from: 0, to: 720, shardCount: 1, idleExpirySeconds: 3_600 };

describe("accumulation", () => {
  const rows: Row[] = [
    { minute: 600, script: "api", status: "success", requests: 100, p50: 2 },
    { minute: 600, script: "api", status: "clientDisconnected", requests: 2, p50: 5 },
    { minute: 660, script: "api", status: "success", requests: 90, p50: 3 },
  ];
  const requests = seriesKey("worker_requests_total", { account: "acme", script_name: "api" });

  it("merges rows with equal labels before counting (102, not 202)", () => {
    const samples = samplesByMinute(workers, rows, { name: "account", value: "acme" });
    expect(samples.get(600)?.get(requests)).toEqual({ type: "counter", value: 102 });
    expect(samples.get(600)?.get('worker_cpu_p50{account="acme"}')).toEqual({ type: "gauge", value: 5 });
    const shard = advanceShard(emptyShard, samples, options);
    expect(shard.series[requests]).toEqual({ v: 192, f: 600, b: 660 });
    expect(shard.cursor).toBe(720);
  });

  it("ignores minutes the shard already counted, so applying twice changes nothing", () => {
    const samples = samplesByMinute(workers, rows, { name: "account", value: "acme" });
    const once = advanceShard(emptyShard, samples, options);
    expect(advanceShard(once, samples, options)).toBe(once);
    const partly = advanceShard({ ...emptyShard }, samples, { ...options, to: 660 });
    expect(advanceShard(partly, samples, options).series[requests]?.v).toBe(192);
  });

  it("keeps an idle counter's value, and drops it after the idle expiry", () => {
    const samples = samplesByMinute(workers, rows, { name: "account", value: "acme" });
    const counted = advanceShard(emptyShard, samples, options);
    const quiet = advanceShard(counted, new Map(), { ...options, to: 720 + 3_540 });
    expect(quiet.series[requests]?.v).toBe(192);
    const gone = advanceShard(quiet, new Map(), { ...options, to: 720 + 3_600 + 60 });
    expect(gone.series[requests]).toBeUndefined();
  });

  it("counts skipped minutes beyond the lookback as lost, once", () => {
    const samples = samplesByMinute(workers, rows, { name: "account", value: "acme" });
    const shard = advanceShard(emptyShard, samples, { ...options, from: 660 });
    expect(shard.lostMinutes).toBe(1);
    expect(shard.series[requests]?.v).toBe(90);
  });
});

describe("windows", () => {
  const now = 1_795_176_030; // 12:00:30
  it("counts only minutes older than the delay, from the lookback on first sight", () => {
    expect(countableEnd(now, 300)).toBe(1_795_175_700); // 11:55:00
    expect(initialStart(now, 300, 3_600)).toBe(1_795_172_100); // 10:55:00
    expect(oldestQueryable(now, 86_400)).toBe(1_795_089_720);
  });
  it("splits a catch-up by maxDuration and halves on minute boundaries", () => {
    expect(splitRange(0, 86_400 * 2 + 120, 86_400)).toEqual([
      [0, 86_400],
      [86_400, 172_800],
      [172_800, 172_920],
    ]);
    expect(halve(0, 420)).toEqual([
      [0, 180],
      [180, 420],
    ]);
    expect(halve(0, 120)).toEqual([
      [0, 60],
      [60, 120],
    ]);
  });
});
