import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  breakdown,
  counter,
  defineQueryGroup,
  each,
  gauge,
  single,
} from "../../lambda/catalogue/query-group.ts";
import { seriesKey } from "../../lambda/catalogue/series-key.ts";
import { advanceShard, samplesByMinute } from "../../lambda/collect/accumulate.ts";
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
  sampled: true,
  timeDimension: "datetimeMinute",
  selection: "",
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
  dropped: {},
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
    expect(samples.get(600)?.get(requests)).toEqual({
      type: "counter",
      value: 102,
      family: "worker_requests_total",
    });
    expect(samples.get(600)?.get('worker_cpu_p50{account="acme"}')).toEqual({
      type: "gauge",
      value: 5,
      family: "worker_cpu_p50",
    });
    const shard = advanceShard(emptyShard, samples, options);
    expect(shard.series[requests]).toEqual({ v: 192, f: 600, b: 660, l: 90 }); // l: the last bucket, minute 660
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

type HostRow = { minute: number; host: string; status: number; count: number; ms: number };
/** A host- and status-labelled group: the label options merge its rows before counting. */
const byHost = defineQueryGroup<HostRow>({
  name: "hosts",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  sampled: true,
  timeDimension: "datetimeMinute",
  selection: "",
  rowSchema: z.object({
    minute: z.number(),
    host: z.string(),
    status: z.number(),
    count: z.number(),
    ms: z.number(),
  }),
  minuteOf: (row) => row.minute,
  shards: 1,
  series: [
    each(
      counter("requests_total", "", ["host", "status"]),
      (r) => r.count,
      (r, context) => ({ host: r.host, status: context.status(r.status) }),
    ),
    each(
      gauge("duration_seconds", "", ["host"]),
      (r) => r.ms / 1000,
      (r) => ({ host: r.host }),
      { merge: "mean", weight: (r) => r.count },
    ),
  ],
});

describe("label options apply before counting", () => {
  const rows: HostRow[] = [
    { minute: 600, host: "a.example.com", status: 200, count: 30, ms: 100 },
    { minute: 600, host: "b.example.com", status: 201, count: 10, ms: 500 },
    { minute: 600, host: "b.example.com", status: 503, count: 5, ms: 1_000 },
  ];
  const zone = { name: "zone" as const, value: "example.com" };

  it("EXCLUDE_HOST and status classes merge rows: counters add, a mean gauge is count-weighted", () => {
    const samples = samplesByMinute(byHost, rows, zone, { excludeHost: true, httpStatusGroup: true });
    expect(Object.fromEntries([...(samples.get(600) ?? [])].map(([key, s]) => [key, s.value]))).toEqual({
      'requests_total{status="2xx",zone="example.com"}': 40,
      'requests_total{status="5xx",zone="example.com"}': 5,
      // (30 × 0.1 + 10 × 0.5 + 5 × 1.0) / 45
      'duration_seconds{zone="example.com"}': 13 / 45,
    });
  });

  it("without options every row is its own series", () => {
    const samples = samplesByMinute(byHost, rows, zone);
    expect(samples.get(600)?.size).toBe(5);
    expect(
      samples.get(600)?.get('requests_total{host="b.example.com",status="503",zone="example.com"}')?.value,
    ).toBe(5);
  });

  it("a family at its series cap keeps counting its series and drops (and counts) samples of new ones", () => {
    const first = advanceShard(emptyShard, samplesByMinute(byHost, rows.slice(0, 2), zone), {
      ...options,
      to: 660,
      maxSeriesPerFamily: 2,
    });
    expect(Object.keys(first.series).sort()).toEqual([
      'duration_seconds{host="a.example.com",zone="example.com"}',
      'duration_seconds{host="b.example.com",zone="example.com"}',
      'requests_total{host="a.example.com",status="200",zone="example.com"}',
      'requests_total{host="b.example.com",status="201",zone="example.com"}',
    ]);
    const next = rows.map((row) => ({ ...row, minute: 660 }));
    const second = advanceShard(first, samplesByMinute(byHost, next, zone), {
      ...options,
      maxSeriesPerFamily: 2,
    });
    expect(second.series['requests_total{host="a.example.com",status="200",zone="example.com"}']?.v).toBe(60);
    expect(second.series['requests_total{host="b.example.com",status="201",zone="example.com"}']?.v).toBe(20);
    expect(
      second.series['requests_total{host="b.example.com",status="503",zone="example.com"}'],
    ).toBeUndefined();
    expect(second.dropped).toEqual({ requests_total: 1 });
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
