/**
 * The Lambda bundles as the stack builds them (lib/bundling.ts): bytes per handler, and
 * the time to import each one in a fresh Node process (median of five), which is what a
 * cold start pays before the handler runs.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { esbuildOptions, handlerEntries, projectRoot } from "../lib/bundling.ts";

export interface BundleMeasure {
  bytes: number;
  importMs: number;
}

const importOnce = (file: string): number =>
  Number(
    execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`,
      ],
      { encoding: "utf8", env: { ...process.env, AWS_REGION: "us-east-1" } },
    ).trim(),
  );

export async function measureBundles(): Promise<Record<string, BundleMeasure>> {
  const outdir = mkdtempSync(join(tmpdir(), "exporter-bench-bundle-"));
  try {
    const out: Record<string, BundleMeasure> = {};
    for (const [name, entry] of Object.entries(handlerEntries)) {
      const outfile = join(outdir, name, "index.mjs");
      await build({ ...esbuildOptions, entryPoints: [join(projectRoot, entry)], outfile, logLevel: "error" });
      const times = Array.from({ length: 5 }, () => importOnce(outfile)).sort((a, b) => a - b);
      out[name] = { bytes: statSync(outfile).size, importMs: times[2] ?? 0 };
    }
    return out;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) console.log(JSON.stringify(await measureBundles()));
