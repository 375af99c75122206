import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { bundleFiles, bundleHandler, bundleSizes } from "../../lib/bundling.ts";

/**
 * lib/start-merge.ts: esbuild splits the code an entry shares with a lazily imported module
 * into a chunk of its own; the merge folds it into index.mjs and leaves in its place a line
 * that re-exports it from there. The lazy module must then reach the state the entry
 * already holds, not a second copy of the shared module.
 */
describe("folding a bundle's start into index.mjs", () => {
  const outdir = mkdtempSync(join(tmpdir(), "exporter-start-merge-"));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  bundleHandler("test/fixtures/start-merge/entry.ts", outdir);

  it("loads one file at the start, and the lazy module shares the entry's module instance", async () => {
    expect(bundleSizes(outdir).startFiles).toEqual(["index.mjs"]);
    const chunks = Object.keys(bundleFiles(outdir)).filter((file) => file !== "index.mjs");
    const proxies = chunks.filter((file) => /^chunks\/chunk-/.test(file));
    expect(proxies).toHaveLength(1);
    expect(readFileSync(join(outdir, proxies[0] ?? ""), "utf8")).toMatch(
      /^export\{[\w$]+ as [\w$]+\}from"\.\.\/index\.mjs";\n$/,
    );
    const { handler } = (await import(pathToFileURL(join(outdir, "index.mjs")).href)) as {
      handler: () => Promise<number[]>;
    };
    expect(await handler()).toEqual([1, 2, 3]);
  });
});
