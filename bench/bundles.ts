/**
 * The Lambda bundles as the stack builds them (lib/bundling.ts): bytes per handler (what a
 * cold start reads, and the whole asset with its lazily loaded chunks), and the time to
 * import each one in a fresh Node process (median of fifteen), which is what a cold start
 * pays before the handler runs, in a function's environment (bench/function-env.ts). No
 * Node options: the functions no longer enable source maps (lib/stack-maps.ts), and the
 * serve function's heap sizes do not change an import. The import loads what a default
 * configuration loads: the entry and its static chunks, not the push path's.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { builtinAliases, bundleHandler, bundleSizes, handlerEntries } from "../lib/bundling.ts";
import { functionEnv } from "./function-env.ts";

export interface BundleMeasure {
  /** What a cold start reads: index.mjs and the chunks it imports statically. */
  bytes: number;
  /** The asset's code, lazily loaded chunks included. */
  totalBytes: number;
  /** Median wall time of the import in a fresh process. */
  importMs: number;
  /** Median CPU time (user + system) of the import: less skewed by a loaded machine. */
  importCpuMs: number;
}

const runs = 15;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * Loads `specifiers` in a fresh process, as the bundles load them: the built-ins of
 * lib/bundling.ts `builtinAliases` from Node's module table, everything else by import.
 * The time and CPU time of those loads alone.
 */
const importOnce = (...specifiers: string[]): { ms: number; cpuMs: number } =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const taken = new Set(${JSON.stringify(Object.keys(builtinAliases))}); const c = process.cpuUsage(); const t = performance.now(); for (const s of ${JSON.stringify(specifiers)}) taken.has(s) ? process.getBuiltinModule(s) : await import(s); const u = process.cpuUsage(c); console.log(JSON.stringify({ ms: performance.now() - t, cpuMs: (u.user + u.system) / 1000 }));`,
      ],
      { encoding: "utf8", env: functionEnv({ AWS_REGION: "us-east-1" }) },
    ).trim(),
  ) as { ms: number; cpuMs: number };

/**
 * Node's own modules that the bundles load at import (the HTTPS transport, the signer's
 * hashes, the stored format's compression, the serve path's streams): loaded by a bundle's
 * import and not by `node -e ''`, they are a floor under any bundle's import time. `node:fs`,
 * `node:module` and `node:url` are not among them: the stack-trace mapper takes them when
 * it first formats a trace.
 */
const bundleBuiltins = ["node:crypto", "node:http", "node:https", "node:zlib", "node:events"];

/** The import of `bundleBuiltins` alone in a fresh process (median of fifteen). */
export function builtinsImport(): { ms: number; cpuMs: number } {
  const times = Array.from({ length: runs }, () => importOnce(...bundleBuiltins));
  return { ms: median(times.map((t) => t.ms)), cpuMs: median(times.map((t) => t.cpuMs)) };
}

/** The wall time of `node -e ''` (a whole process, start to exit): the floor any cold start pays. */
export function nodeBaselineMs(): number {
  return median(
    Array.from({ length: runs }, () => {
      const start = performance.now();
      execFileSync(process.execPath, ["-e", ""], { env: functionEnv() });
      return performance.now() - start;
    }),
  );
}

/**
 * Builds every bundle, then imports them in turn, round after round (`runs` rounds): a
 * stretch of the machine running slower then falls on every bundle alike, not on the one
 * whose runs it happened to meet.
 */
export async function measureBundles(): Promise<Record<string, BundleMeasure>> {
  const root = mkdtempSync(join(tmpdir(), "exporter-bench-bundle-"));
  try {
    const built = Object.entries(handlerEntries).map(([name, entry]) => {
      const outdir = join(root, name);
      bundleHandler(entry, outdir);
      return { name, sizes: bundleSizes(outdir), url: pathToFileURL(join(outdir, "index.mjs")).href };
    });
    const times = new Map(built.map(({ name }) => [name, [] as { ms: number; cpuMs: number }[]]));
    for (let round = 0; round < runs; round++)
      for (const { name, url } of built) times.get(name)?.push(importOnce(url));
    const out: Record<string, BundleMeasure> = {};
    for (const { name, sizes } of built) {
      const measured = times.get(name) ?? [];
      out[name] = {
        bytes: sizes.startBytes,
        totalBytes: sizes.totalBytes,
        importMs: median(measured.map((t) => t.ms)),
        importCpuMs: median(measured.map((t) => t.cpuMs)),
      };
    }
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) {
  const loadBefore = loadavg()[0];
  const bundles = await measureBundles();
  const baseline = nodeBaselineMs();
  const builtins = builtinsImport();
  console.log(
    JSON.stringify({
      bundles,
      nodeBaselineMs: baseline,
      builtinsImport: builtins,
      loadAverage: [loadBefore, loadavg()[0]],
    }),
  );
}
