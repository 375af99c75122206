import { execFileSync } from "node:child_process";
import { mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { bundleHandler } from "../../lib/bundling.ts";

/**
 * A bundle's stack traces name the sources (lib/stack-maps.ts) without Node's
 * `--enable-source-maps`, and its maps are read when a trace is first formatted, not when
 * the bundle loads. The handler runs in a process of its own: the bundle sets
 * `Error.prepareStackTrace` for the whole process.
 */
describe("stack traces of a bundle", () => {
  const outdir = mkdtempSync(join(tmpdir(), "exporter-stack-maps-"));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  bundleHandler("test/fixtures/throwing-handler.ts", outdir);
  const index = join(outdir, "index.mjs");

  /** Imports the bundle, runs `between` (a module's body), calls the handler: the trace's frames in it. */
  const traceOf = (between = "") =>
    execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { handler } = await import(${JSON.stringify(pathToFileURL(index).href)});
${between}
try { await handler("x"); } catch (error) { console.log(error.stack); }`,
      ],
      { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } },
    )
      .trim()
      .split("\n")
      .filter(
        (line) =>
          line === "Error: refused: x" || line.includes("throwing-handler") || line.includes("index.mjs"),
      );

  it("name the source file, line, column and function of each bundled frame", () => {
    expect(traceOf()).toEqual([
      "Error: refused: x",
      "    at checkInput (test/fixtures/throwing-handler.ts:3:9)",
      "    at test/fixtures/throwing-handler.ts:7:10",
    ]);
  });

  it("are mapped from maps read at the first trace: a map gone after loading leaves the bundle's frames", () => {
    const away = `${index}.map.away`;
    try {
      const frames = traceOf(
        `(await import("node:fs")).renameSync(${JSON.stringify(`${index}.map`)}, ${JSON.stringify(away)});`,
      );
      // The bundle's own frames: minified names, positions in index.mjs.
      const url = pathToFileURL(index).href;
      expect(
        frames.map((line) => line.replace(/at \w+ \((.*):\d+:\d+\)$/, "at NAME ($1:LINE:COLUMN)")),
      ).toEqual([
        "Error: refused: x",
        `    at NAME (${url}:LINE:COLUMN)`,
        `    at NAME (${url}:LINE:COLUMN)`,
      ]);
    } finally {
      renameSync(away, `${index}.map`);
    }
  });
});
