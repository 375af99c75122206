import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configTable } from "../../../local/docs/config-table.ts";
import { metricsPage, metricTable } from "../../../local/docs/metric-docs.ts";
import { readmeSection } from "../../../local/docs.ts";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

describe("README (regenerate with npm run docs)", () => {
  it("lists every setting with its real default", () => {
    expect(readmeSection(readme, "config")).toBe(configTable());
  });
  it("lists every query group and its metric families", () => {
    expect(readmeSection(readme, "metrics")).toBe(metricTable());
  });
  it("docs/metrics.md describes every family as the code defines it", () => {
    expect(readFileSync(new URL("../../../docs/metrics.md", import.meta.url), "utf8")).toBe(metricsPage());
  });
});
