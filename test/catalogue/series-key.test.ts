import { describe, expect, it } from "vitest";
import { familyOfKey, parseSeriesKey, seriesKey } from "../../lambda/catalogue/series-key.ts";

describe("series keys", () => {
  it("sorts labels and escapes values, so equal label sets give one key", () => {
    expect(seriesKey("m", { zone: "a.com", country: "DE" })).toBe('m{country="DE",zone="a.com"}');
    expect(seriesKey("m", {})).toBe("m");
  });

  it("parses back exactly what it built, escapes included", () => {
    const labels = { path: 'a"b\\c\nd', zone: "x" };
    const key = seriesKey("cloudflare_x_total", labels);
    expect(parseSeriesKey(key)).toEqual({ name: "cloudflare_x_total", labels: Object.entries(labels) });
    expect(parseSeriesKey("bare")).toEqual({ name: "bare", labels: [] });
  });

  it("names the family of a key", () => {
    expect(familyOfKey('cloudflare_zone_requests_total{zone="a"}')).toBe("cloudflare_zone_requests_total");
    expect(familyOfKey("cloudflare_exporter_up")).toBe("cloudflare_exporter_up");
  });
});
