import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { Family } from "../../lambda/exposition/model.ts";
import { renderOpenMetrics, wantsOpenMetrics } from "../../lambda/exposition/openmetrics.ts";
import { renderText } from "../../lambda/exposition/text.ts";

const families: Family[] = [
  {
    name: "cloudflare_zone_requests_total",
    help: "Requests",
    type: "counter",
    samples: [
      { labels: [["zone", "b.example"]], value: 20, created: 1_795_172_100 },
      { labels: [["zone", "a.example"]], value: 1234, created: 1_795_172_040 },
    ],
  },
  {
    name: "cloudflare_zone_cache_hit_ratio",
    help: "Share of requests\nfrom cache",
    type: "gauge",
    samples: [{ labels: [["zone", "a.example"]], value: 0.25 }],
  },
  // The same family arriving from a second account: merged under one HELP and TYPE.
  {
    name: "cloudflare_zone_requests_total",
    help: "Requests",
    type: "counter",
    samples: [{ labels: [["zone", "c.example"]], value: 0, created: 1_795_172_100 }],
  },
];

describe("Prometheus text format 0.0.4", () => {
  it("renders the golden text", () => {
    expect(renderText(families)).toBe(
      [
        "# HELP cloudflare_zone_cache_hit_ratio Share of requests\\nfrom cache",
        "# TYPE cloudflare_zone_cache_hit_ratio gauge",
        'cloudflare_zone_cache_hit_ratio{zone="a.example"} 0.25',
        "# HELP cloudflare_zone_requests_total Requests",
        "# TYPE cloudflare_zone_requests_total counter",
        'cloudflare_zone_requests_total{zone="a.example"} 1234',
        'cloudflare_zone_requests_total{zone="b.example"} 20',
        'cloudflare_zone_requests_total{zone="c.example"} 0',
        "",
      ].join("\n"),
    );
  });

  it("escapes hostile label values and keeps non-ASCII as UTF-8", () => {
    const hostile: Family = {
      name: "x_total",
      help: 'back\\slash and "quotes"',
      type: "counter",
      samples: [
        {
          labels: [
            ["host", 'a"b\\c\nd'],
            ["name", "zürich-東京"],
          ],
          value: 1,
        },
      ],
    };
    expect(renderText([hostile])).toBe(
      [
        '# HELP x_total back\\\\slash and "quotes"',
        "# TYPE x_total counter",
        'x_total{host="a\\"b\\\\c\\nd",name="zürich-東京"} 1',
        "",
      ].join("\n"),
    );
  });

  it("adds up duplicate counter series instead of printing them twice", () => {
    const twice: Family = {
      name: "y_total",
      help: "y",
      type: "counter",
      samples: [
        {
          labels: [
            ["a", "1"],
            ["b", "2"],
          ],
          value: 3,
          created: 10,
        },
        {
          labels: [
            ["b", "2"],
            ["a", "1"],
          ],
          value: 4,
          created: 5,
        },
      ],
    };
    expect(renderOpenMetrics([twice])).toBe(
      [
        "# TYPE y counter",
        "# HELP y y",
        'y_total{a="1",b="2"} 7',
        'y_created{a="1",b="2"} 5',
        "# EOF",
        "",
      ].join("\n"),
    );
  });
});

describe("OpenMetrics 1.0", () => {
  it("renders the golden text with _total, _created and # EOF", () => {
    expect(renderOpenMetrics(families)).toBe(
      [
        "# TYPE cloudflare_zone_cache_hit_ratio gauge",
        "# HELP cloudflare_zone_cache_hit_ratio Share of requests\\nfrom cache",
        'cloudflare_zone_cache_hit_ratio{zone="a.example"} 0.25',
        "# TYPE cloudflare_zone_requests counter",
        "# HELP cloudflare_zone_requests Requests",
        'cloudflare_zone_requests_total{zone="a.example"} 1234',
        'cloudflare_zone_requests_created{zone="a.example"} 1795172040',
        'cloudflare_zone_requests_total{zone="b.example"} 20',
        'cloudflare_zone_requests_created{zone="b.example"} 1795172100',
        'cloudflare_zone_requests_total{zone="c.example"} 0',
        'cloudflare_zone_requests_created{zone="c.example"} 1795172100',
        "# EOF",
        "",
      ].join("\n"),
    );
  });

  it("is chosen by the Accept header Prometheus sends", () => {
    expect(
      wantsOpenMetrics(
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
      ),
    ).toBe(true);
    expect(wantsOpenMetrics("text/plain")).toBe(false);
    expect(wantsOpenMetrics(undefined)).toBe(false);
  });

  it("survives a gzip round trip byte for byte", () => {
    const body = renderOpenMetrics(families);
    expect(gunzipSync(gzipSync(body)).toString("utf8")).toBe(body);
  });
});
