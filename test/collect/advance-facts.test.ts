import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { advanceShard, type SamplesByMinute } from "../../lambda/collect/accumulate.ts";
import { applyDelta, encodeDelta } from "../../lambda/store/format.ts";
import type { Shard } from "../../lambda/store/shards.ts";
import { blankShard } from "../store/blank-shard.ts";

/**
 * A shard advanced minute after minute carries what the advance knows of its series (their
 * keys, the ones it replaced, their positions: lambda/store/series-facts.ts), and the delta
 * is built from that rather than from a pass over every series. The same shards as plain
 * copies, which carry nothing, must give the very same bytes, and the delta must rebuild
 * the advanced series exactly.
 */
const keyOf = (n: number) => `requests_total{n="${n}"}`;
const gaugeOf = (n: number) => `ratio{n="${n}"}`;
const copied = (shard: Shard): Shard => ({ ...shard, series: { ...shard.series } });

const step = fc.record({
  /** Minutes of data this advance counts (a catch-up when more than one). */
  minutes: fc.integer({ min: 1, max: 3 }),
  samples: fc.array(
    fc.record({
      n: fc.integer({ min: 0, max: 40 }),
      value: fc.integer({ min: 0, max: 9 }),
      gauge: fc.boolean(),
    }),
    { maxLength: 30 },
  ),
  /** Idle expiry: short ones drop series. */
  idleMinutes: fc.integer({ min: 2, max: 40 }),
});

function samplesOf(steps: { n: number; value: number; gauge: boolean }[], from: number, minutes: number) {
  const out: SamplesByMinute = new Map();
  for (let m = 0; m < minutes; m++) {
    const samples = new Map<string, { type: "counter" | "gauge"; value: number; family: string }>();
    for (const [i, { n, value, gauge }] of steps.entries()) {
      if (i % minutes !== m) continue;
      if (gauge) samples.set(gaugeOf(n), { type: "gauge", value, family: "ratio" });
      else samples.set(keyOf(n), { type: "counter", value, family: "requests_total" });
    }
    out.set(from + m * 60, samples);
  }
  return out;
}

describe("a shard advanced with what it knows of its series", () => {
  it("encodes the same delta as its plain copy, and the delta rebuilds it", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        let shard: Shard = { ...blankShard("z"), stored: true };
        for (const { minutes, samples, idleMinutes } of steps) {
          const options = {
            from: 0,
            to: shard.cursor + minutes * 60,
            shardCount: 1,
            idleExpirySeconds: idleMinutes * 60,
            maxSeriesPerFamily: 30,
          };
          const next = advanceShard(shard, samplesOf(samples, shard.cursor, minutes), options);
          const delta = encodeDelta(new Map([["requests", shard]]), [next]);
          const plain = encodeDelta(new Map([["requests", copied(shard)]]), [copied(next)]);
          expect(Buffer.from(delta).equals(Buffer.from(plain))).toBe(true);
          const rebuilt = new Map([["requests", copied(shard)]]);
          applyDelta(rebuilt, delta, "z", 0);
          const series = rebuilt.get("requests")?.series ?? {};
          expect(Object.keys(series)).toEqual(Object.keys(next.series));
          expect(series).toEqual(next.series);
          shard = next;
        }
      }),
      { numRuns: 300 },
    );
  });
});
