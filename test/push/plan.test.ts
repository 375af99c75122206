import { describe, expect, it } from "vitest";
import type { SamplesByMinute } from "../../lambda/collect/accumulate.ts";
import { runMetricsLine } from "../../lambda/collect/run-metrics.ts";
import { batches, foldOlderThan, samplesOfState, samplesOfWrite } from "../../lambda/push/plan.ts";
import type { Shard } from "../../lambda/store/shards.ts";

/** The pure planning of the push: which samples a shard write gives, at which timestamps. */
const t0 = 1_764_547_200; // a whole minute
const shard = (over: Partial<Shard>): Shard => ({
  group: "g",
  scopeId: "z",
  index: 0,
  cursor: t0,
  start: t0 - 600,
  series: {},
  lostMinutes: 0,
  dropped: {},
  stored: true,
  ...over,
});
const minutes = (entries: [number, [string, "counter" | "gauge", number][]][]): SamplesByMinute =>
  new Map(
    entries.map(([m, list]) => [
      m,
      new Map(list.map(([key, type, value]) => [key, { type, value, family: key }])),
    ]),
  );

describe("samplesOfWrite", () => {
  it("stamps counters at each minute's end, starts new ones at 0, gauges at their bucket, every counter at the cursor", () => {
    const before = shard({
      series: { old: { v: 10, f: t0 - 600, b: t0 - 60 }, quiet: { v: 4, f: t0 - 600, b: t0 - 600 } },
    });
    const after = shard({
      cursor: t0 + 180,
      series: {
        old: { v: 17, f: t0 - 600, b: t0 + 60 },
        quiet: { v: 4, f: t0 - 600, b: t0 - 600 },
        fresh: { v: 5, f: t0 + 120, b: t0 + 120 },
        temp: { v: 21.5, f: t0, b: t0 + 120, t: "g" },
      },
    });
    const samples = minutes([
      [
        t0,
        [
          ["old", "counter", 3],
          ["temp", "gauge", 20],
        ],
      ],
      [t0 + 60, [["old", "counter", 4]]],
      [
        t0 + 120,
        [
          ["fresh", "counter", 5],
          ["temp", "gauge", 21.5],
        ],
      ],
      [t0 + 180, [["old", "counter", 100]]], // beyond the cursor: not counted by this write
      [t0 - 60, [["old", "counter", 100]]], // before the shard's cursor: counted already
    ]);
    const out = samplesOfWrite({ before, after, samples, from: 0, shardCount: 1 });
    const ms = (s: number) => s * 1000;
    expect([...out].sort((a, b) => a.key.localeCompare(b.key) || a.t - b.t)).toEqual([
      { key: "fresh", t: ms(t0 + 120), v: 0 },
      { key: "fresh", t: ms(t0 + 180), v: 5 },
      { key: "old", t: ms(t0 + 60), v: 13 },
      { key: "old", t: ms(t0 + 120), v: 17 },
      { key: "old", t: ms(t0 + 180), v: 17 },
      { key: "quiet", t: ms(t0 + 180), v: 4 },
      { key: "temp", t: ms(t0), v: 20 },
      { key: "temp", t: ms(t0 + 120), v: 21.5 },
    ]);
  });

  it("skips minutes beyond Cloudflare's lookback as the write does, and series of other shards", () => {
    const after = shard({ cursor: t0 + 120, series: { a: { v: 2, f: t0 + 60, b: t0 + 60 } } });
    const samples = minutes([
      [t0, [["a", "counter", 50]]],
      [
        t0 + 60,
        [
          ["a", "counter", 2],
          ["b", "counter", 9],
        ],
      ],
    ]);
    expect(
      samplesOfWrite({ before: shard({ stored: false }), after, samples, from: t0 + 60, shardCount: 1 }),
    ).toEqual([
      { key: "a", t: (t0 + 60) * 1000, v: 0 },
      { key: "a", t: (t0 + 120) * 1000, v: 2 },
    ]);
  });
});

describe("samplesOfWrite for gauges", () => {
  const ms = (s: number) => s * 1000;
  it("sends a REST snapshot's gauges once, at the time the snapshot was taken", () => {
    // A snapshot shard: its cursor is when it was taken; every gauge's bucket is that time.
    const snapshot = (at: number, values: Record<string, number>): Shard =>
      shard({
        group: "ssl-certificates",
        cursor: at,
        start: t0,
        series: Object.fromEntries(
          Object.entries(values).map(([key, v]) => [key, { v, f: t0, b: at, t: "g" as const }]),
        ),
      });
    const first = snapshot(t0, { 'expiry{id="a"}': 1_790_000_000, 'expiry{id="b"}': 1_800_000_000 });
    const none = { ...first, series: {}, stored: false };
    expect(
      samplesOfWrite({ before: none, after: first, samples: new Map(), from: 0, shardCount: 1 }),
    ).toEqual([
      { key: 'expiry{id="a"}', t: ms(t0), v: 1_790_000_000 },
      { key: 'expiry{id="b"}', t: ms(t0), v: 1_800_000_000 },
    ]);
    // Half an hour later: a renewed certificate, one gone (no sample), one new.
    const next = snapshot(t0 + 1800, { 'expiry{id="a"}': 1_795_000_000, 'expiry{id="c"}': 1_810_000_000 });
    expect(
      samplesOfWrite({ before: first, after: next, samples: new Map(), from: 0, shardCount: 1 }),
    ).toEqual([
      { key: 'expiry{id="a"}', t: ms(t0 + 1800), v: 1_795_000_000 },
      { key: 'expiry{id="c"}', t: ms(t0 + 1800), v: 1_810_000_000 },
    ]);
  });

  it("sends a gauge of the newest counted minute at that minute, and no gauge older than the shard before", () => {
    const before = shard({ series: { temp: { v: 9, f: t0 - 600, b: t0 - 60, t: "g" } } });
    const after = shard({
      cursor: t0 + 120,
      series: {
        temp: { v: 30, f: t0 - 600, b: t0 + 60, t: "g" },
        // Not in this write's minutes and older than the shard before: sent by an earlier write.
        stale: { v: 5, f: t0 - 600, b: t0 - 120, t: "g" },
      },
    });
    const samples = minutes([
      [t0 - 60, [["temp", "gauge", 9]]], // counted by the write before
      [t0 + 60, [["temp", "gauge", 30]]], // the last bucket: the newest counted minute
    ]);
    expect(samplesOfWrite({ before, after, samples, from: 0, shardCount: 1 })).toEqual([
      { key: "temp", t: ms(t0 + 60), v: 30 },
    ]);
  });
});

describe("samplesOfState", () => {
  const stored = shard({
    cursor: t0 + 300,
    series: { c: { v: 9, f: t0, b: t0 + 240 }, g: { v: 1, f: t0, b: t0 + 60, t: "g" } },
  });
  it("gives the value at the cursor for a write the journal missed, and gauges newer than the journal", () => {
    expect(samplesOfState(stored, t0 + 60)).toEqual([
      { key: "c", t: (t0 + 300) * 1000, v: 9 },
      { key: "g", t: (t0 + 60) * 1000, v: 1 },
    ]);
  });
  it("gives nothing when the journal is up to date, or for a shard never stored", () => {
    expect(samplesOfState(stored, t0 + 300)).toEqual([]);
    expect(samplesOfState({ ...stored, stored: false }, undefined)).toEqual([]);
  });
});

describe("folding and batching", () => {
  it("drops samples older than the window and counts their distinct minutes", () => {
    const pending = [
      { key: "a", t: 60_000, v: 1 },
      { key: "b", t: 60_000, v: 2 },
      { key: "a", t: 120_000, v: 3 },
      { key: "a", t: 180_000, v: 4 },
    ];
    expect(foldOlderThan(pending, 180_000)).toEqual({
      kept: [{ key: "a", t: 180_000, v: 4 }],
      foldedMinutes: 2,
    });
  });
  it("cuts oldest first into requests of at most the given size", () => {
    const pending = [3, 1, 2, 1, 3].map((m, i) => ({ key: `k${i}`, t: m * 60_000, v: i }));
    expect(batches(pending, 2).map((b) => b.map((s) => s.t / 60_000))).toEqual([[1, 1], [2, 3], [3]]);
  });
});

describe("the run's EMF line", () => {
  it("carries the push's lag and failures only when the run pushed", () => {
    const base = {
      accountId: "a",
      rateLimitEvents: 0,
      minutesCounted: 1,
      errorCount: 0,
      stateZonesHeld: 0,
      stateZonesRead: 1,
    };
    const pushed = JSON.parse(
      runMetricsLine(
        {
          ...base,
          push: {
            acceptedSamples: 0,
            failedRequests: 1,
            rejectedSamples: 0,
            pendingSamples: 7,
            lagSeconds: 420,
            writeUnits: 1,
          },
        },
        0,
        "ns",
      ),
    );
    expect(pushed).toMatchObject({ PushLagSeconds: 420, PushFailedRequests: 1 });
    expect(pushed._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toEqual([
      "RateLimitEvents",
      "MinutesCounted",
      "CollectionErrors",
      "PushLagSeconds",
      "PushFailedRequests",
    ]);
    expect(
      Object.keys(JSON.parse(runMetricsLine(base, 0, "ns"))).filter((k) => k.startsWith("Push")),
    ).toEqual([]);
  });
});
