import { describe, expect, it } from "vitest";
import type { MetricFamily } from "../../../lambda/catalogue/query-group.ts";
import type { SamplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { renderBackfill } from "../../../local/backfill/render.ts";

/** The backfill's OpenMetrics: stamped as the push stamps, families and series contiguous, `# EOF` last. */
describe("renderBackfill", () => {
  it("writes counters cumulative at every minute's end from 0 at their first minute, gauges at their bucket", () => {
    const t = 1_764_547_200;
    const minutes: SamplesByMinute = new Map([
      [t, new Map([['r_total{zone="a"}', { type: "counter" as const, value: 3, family: "r_total" }]])],
      [
        t + 60,
        new Map([
          ['g{zone="a"}', { type: "gauge" as const, value: 0.5, family: "g" }],
          ['r_total{zone="b"}', { type: "counter" as const, value: 1, family: "r_total" }],
        ]),
      ],
      [t + 180, new Map([['r_total{zone="a"}', { type: "counter" as const, value: 2, family: "r_total" }]])],
    ]);
    const registry = new Map<string, MetricFamily>([
      [
        "r_total",
        { name: "r_total", type: "counter", labels: ["zone"], unit: "requests", help: 'Requests "all"' },
      ],
      ["g", { name: "g", type: "gauge", labels: ["zone"], unit: "1", help: "A gauge" }],
    ]);
    expect(renderBackfill(minutes, { from: t, to: t + 180 }, registry)).toEqual({
      series: 3,
      samples: 1 + 3 + 1 + 1 + 2,
      text: [
        "# TYPE g gauge",
        "# HELP g A gauge",
        `g{zone="a"} 0.5 ${t + 60}`,
        "# TYPE r counter",
        '# HELP r Requests \\"all\\"',
        `r_total{zone="a"} 0 ${t}`,
        `r_total{zone="a"} 3 ${t + 60}`,
        `r_total{zone="a"} 3 ${t + 120}`,
        `r_total{zone="a"} 3 ${t + 180}`,
        `r_total{zone="b"} 0 ${t + 60}`,
        `r_total{zone="b"} 1 ${t + 120}`,
        `r_total{zone="b"} 1 ${t + 180}`,
        "# EOF",
        "",
      ].join("\n"),
    });
  });
});
