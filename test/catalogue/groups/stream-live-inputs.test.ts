import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamLiveInputs } from "../../../lambda/catalogue/groups/stream-live-inputs.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import { accountTruthRows } from "./account-truth.ts";

/**
 * stream-live-inputs against the simulator's ground truth, one known minute: Example Corp
 * has Stream (two live inputs); Side Project has not, and its settings turn the group off.
 */
const segments = "cloudflare_stream_live_input_segments_total";
const gauges = {
  cloudflare_stream_live_input_bit_rate_bps: ["avg.bitRateMinute", 1],
  cloudflare_stream_live_input_gop_duration_seconds: ["avg.gopDuration", 1 / 1000],
  cloudflare_stream_live_input_upload_duration_ratio: ["avg.uploadDurationRatio", 1],
} as const;

describe("stream-live-inputs", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(streamLiveInputs);
  });
  afterAll(() => run.harness.close());

  it("counts events by code exactly and holds the minute's means, for Example Corp only", async () => {
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
    const accounts = run.harness.simulator.world.accounts;
    const corp = accounts.find((a) => a.name === "Example Corp");
    const side = accounts.find((a) => a.name === "Side Project");
    if (!corp || !side) throw new Error("default world changed");
    const want = new Map<string, number>();
    for (const { dims, values } of accountTruthRows(run.harness.simulator, {
      dataset: "liveInputEventsAdaptiveGroups",
      accountTag: corp.id,
      from: run.from,
      to: run.to,
      by: ["eventCode"],
      fields: ["count", ...Object.values(gauges).map(([field]) => field)],
    })) {
      const labels = { account: "example-corp", event_code: dims.eventCode ?? "" };
      want.set(seriesKey(segments, labels), values.count ?? 0);
      for (const [family, [field, scale]] of Object.entries(gauges))
        want.set(seriesKey(family, labels), (values[field] ?? Number.NaN) * scale);
    }
    const actual = await run.series(corp.id);
    expect([...actual.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, value] of want) {
      if (key.startsWith(segments)) expect(actual.get(key), key).toBe(value);
      else expect(actual.get(key), key).toBeCloseTo(value, 9);
    }
    expect([...actual.keys()].some((key) => key.includes('event_code="GOP_RECEIVED"'))).toBe(true);
    expect(await run.series(side.id)).toEqual(new Map());
  });

  it("adds the events of two rows of one code and minute and keeps their event-weighted mean", () => {
    const row = (count: number, bitRateMinute: number, gopDuration: number) => ({
      count,
      avg: { bitRateMinute, gopDuration, uploadDurationRatio: 0.5 },
      dimensions: { datetimeMinute: 600, eventCode: "GOP_RECEIVED" },
    });
    const samples = samplesByMinute(streamLiveInputs, [row(3, 2_000_000, 2_000), row(1, 6_000_000, 6_000)], {
      name: "account",
      value: "a",
    });
    const labels = { account: "a", event_code: "GOP_RECEIVED" };
    const minute = samples.get(600);
    expect(minute?.get(seriesKey(segments, labels))?.value).toBe(4);
    // (3 × 2 Mbit/s + 1 × 6 Mbit/s) / 4 = 3 Mbit/s; (3 × 2 s + 1 × 6 s) / 4 = 3 s
    expect(minute?.get(seriesKey("cloudflare_stream_live_input_bit_rate_bps", labels))?.value).toBe(
      3_000_000,
    );
    expect(minute?.get(seriesKey("cloudflare_stream_live_input_gop_duration_seconds", labels))?.value).toBe(
      3,
    );
  });
});
