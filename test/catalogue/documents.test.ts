import { readFileSync } from "node:fs";
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { queryGroups } from "../../lambda/catalogue/groups/index.ts";
import { buildRequest } from "../../lambda/collect/request.ts";

/** Every query the exporter sends is valid against Cloudflare's published schema. */
const schema = buildSchema(
  readFileSync(new URL("../../local/simulator/cloudflare-schema.graphql", import.meta.url), "utf8"),
  {
    assumeValidSDL: true,
  },
);

describe("query group documents", () => {
  it("every group in one request validates against Cloudflare's schema", () => {
    const { document } = buildRequest(
      queryGroups.map((group) => ({ group, scopeIds: ["z"], from: 0, to: 60, limit: 10 })),
    );
    expect(validate(schema, parse(document)).map((e) => e.message)).toEqual([]);
  });
  for (const group of queryGroups) {
    it(`${group.name} validates against Cloudflare's schema`, () => {
      const { document } = buildRequest([{ group, scopeIds: ["z"], from: 0, to: 60, limit: 10 }]);
      expect(validate(schema, parse(document)).map((e) => e.message)).toEqual([]);
    });
    it(`${group.name} declares each metric family once`, () => {
      const names = group.series.map((s) => `${s.family.name}/${s.family.labels.join(",")}`);
      const byName = new Map<string, string>();
      for (const spec of group.series) {
        const previous = byName.get(spec.family.name);
        if (previous !== undefined) expect(previous).toBe(spec.family.type);
        byName.set(spec.family.name, spec.family.type);
      }
      expect(names.length).toBe(new Set(names).size);
    });
  }
});
