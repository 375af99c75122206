import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The scrape of a large state fits a small heap: 200,000 series (100 zones × 2,000), the
 * state itself held in memory in columns as the endpoint reads it, printed and gzip'd under
 * a 100 MB V8 old space (it needs 72-80, more on some runs; the object-per-series read needed 128). Not timed:
 * speed and memory figures are in bench/ and docs/benchmarks.md.
 */
describe("a scrape of a large state", () => {
  it("renders 200,000 series under --max-old-space-size=100", () => {
    const child = fileURLToPath(new URL("./large-state-child.ts", import.meta.url));
    const out = execFileSync(process.execPath, ["--max-old-space-size=100", child, "100", "2000"], {
      encoding: "utf8",
    });
    expect(JSON.parse(out.trim().split("\n").pop() ?? "{}")).toEqual({
      status: 200,
      series: 200_000,
      first: 'cloudflare_zone_requests_country_total{country="C0",zone="zone0.example"} 0',
    });
  }, 120_000);
});
