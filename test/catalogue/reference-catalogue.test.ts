import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { queryGroups } from "../../lambda/catalogue/groups/index.ts";
import { exposedType, type MetricFamily } from "../../lambda/catalogue/query-group.ts";
import { referenceDifferences } from "../../lambda/catalogue/reference-differences.ts";
import { selfMetricFamilies } from "../../lambda/catalogue/self-metrics.ts";
import { snapshotGroups } from "../../lambda/catalogue/snapshots/index.ts";

/**
 * Users switching from the reference exporter find every family they graph: under its
 * name, type and label names, or listed in docs/metrics.md as deliberately changed, with
 * the reason. The fixture is the reference's catalogue: copied from the spec, and grown with
 * what its newer source added (with the method each name came from).
 */
const reference = readFileSync(new URL("../fixtures/reference-families.tsv", import.meta.url), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "" && !line.startsWith("#"))
  .map((line) => {
    const [group = "", name = "", type = "", labels = ""] = line.split("\t");
    return {
      group,
      name,
      type,
      labels: labels
        .split(",")
        .map((label) => label.trim())
        .filter(Boolean),
    };
  });

/** Ours: family name → type and every label (the scope label included). */
const ours = new Map<string, { type: string; labels: string[] }>();
const register = (family: MetricFamily, scope: string[]) =>
  ours.set(family.name, { type: exposedType(family), labels: [...scope, ...family.labels] });
for (const group of queryGroups) for (const spec of group.series) register(spec.family, [group.scope]);
for (const group of snapshotGroups) for (const family of group.families) register(family, ["zone"]);
for (const family of selfMetricFamilies) register(family, []);

describe("the reference exporter's catalogue", () => {
  it("has its 62 Cloudflare families and 7 self-metrics, and the 43 families its newer source added", () => {
    expect(reference).toHaveLength(69 + 43);
  });

  for (const family of reference) {
    it(`${family.name} (${family.group}) is served as it was, or listed as changed`, () => {
      const difference = referenceDifferences.find((d) => d.reference === family.name);
      if (difference) {
        expect(difference.why.length).toBeGreaterThan(20);
        for (const name of difference.ours) expect(ours.has(name), name).toBe(true);
        return;
      }
      const own = ours.get(family.name);
      expect(own, `${family.name} is not exported`).toBeDefined();
      expect(own?.type).toBe(family.type);
      expect([...(own?.labels ?? [])].sort()).toEqual([...family.labels].sort());
    });
  }

  it("lists only real reference families as changed", () => {
    const names = new Set(reference.map((f) => f.name));
    for (const difference of referenceDifferences)
      expect(names.has(difference.reference), difference.reference).toBe(true);
  });
});
