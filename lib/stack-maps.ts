import type { SourceMap } from "node:module";

/**
 * Stack traces of the Lambda bundles in the sources' terms (`lambda/serve/state.ts:42:7`),
 * with each bundle's source maps read only when a trace is first formatted. Node's
 * `--enable-source-maps` reads and parses every loaded file's map as it loads: about 25 ms
 * of each cold start's import for half a megabyte of maps, paid by every container, while
 * traces are formatted only when something fails. Installed in every bundle by
 * lib/stack-maps-install.ts; tests and local mode run the sources and never install it.
 * The built-ins it reads maps with come from Node's module table when a trace is first
 * formatted: imported, `node:fs`'s ES module facade alone loads some 26 modules (the promise
 * API, streams, readline) at every cold start, 7–8 ms of the import.
 */

/** Each bundled file's map, read once: null when it has none or it cannot be read. */
const maps = new Map<string, SourceMap | null>();

function mapOf(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map === undefined) {
    try {
      const { fileURLToPath } = process.getBuiltinModule("node:url");
      const { readFileSync } = process.getBuiltinModule("node:fs");
      const path = file.startsWith("file:") ? fileURLToPath(file) : file;
      map = new (process.getBuiltinModule("node:module").SourceMap)(
        JSON.parse(readFileSync(`${path}.map`, "utf8")),
      );
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  return map;
}

interface Original {
  source: string;
  line: number;
  column: number;
  /** The name at that place in the source: for a call, the function it calls. */
  name: string | undefined;
}

/** Where a frame's position lies in the sources, if its file has a map that covers it. */
function originalOf(site: NodeJS.CallSite): Original | undefined {
  const file = site.getFileName();
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (!file || line === null || column === null) return undefined;
  const entry = mapOf(file)?.findEntry(line - 1, column - 1);
  if (!entry || !("originalSource" in entry)) return undefined;
  return {
    // Named from the project's root by lib/bundling.ts.
    source: entry.originalSource,
    line: entry.originalLine + 1,
    column: entry.originalColumn + 1,
    // Node's entries carry the name; its type declarations do not list it.
    name: "name" in entry && typeof entry.name === "string" ? entry.name : undefined,
  };
}

/**
 * A frame as Node prints it, in the sources' terms where a map covers it. The function's
 * own name in the bundle is minified; its source name is the name its caller's frame
 * (the next one) calls, as Node's own source-map support finds it.
 */
export function formatStack(error: unknown, sites: readonly NodeJS.CallSite[]): string {
  const originals = sites.map(originalOf);
  const frames = sites.map((site, i) => {
    const original = originals[i];
    if (!original) return `    at ${String(site)}`;
    const where = `${original.source}:${original.line}:${original.column}`;
    const name = originals[i + 1]?.name;
    return name ? `    at ${name} (${where})` : `    at ${where}`;
  });
  return [headerOf(error), ...frames].join("\n");
}

/** The trace's first line, as V8 writes it: `Name: message`. */
function headerOf(error: unknown): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return "Error";
  }
}
