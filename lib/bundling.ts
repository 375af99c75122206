import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, buildSync, type Metafile } from "esbuild";
import { mergeStartChunks } from "./start-merge.ts";

/**
 * How every handler is bundled, in one place: the stack's assets (lib/exporter-function.ts),
 * the bundle test and the bench (which measures what the stack ships) all call
 * `bundleHandler`.
 */

/** The repository root: esbuild resolves the handlers and node_modules from here. */
export const projectRoot = fileURLToPath(new URL("..", import.meta.url));

/** The handlers, by the name the bench and the bundle test report them under. */
export const handlerEntries = {
  discover: "lambda/handlers/discover.ts",
  fetchAccount: "lambda/handlers/fetch-account.ts",
  serve: "lambda/handlers/serve.ts",
} as const;

/**
 * Each bundle's budget in bytes; test/infra/bundle.test.ts fails past it. `start` is what a
 * cold start reads (index.mjs and the chunks it imports statically), `total` the asset's
 * code with its lazy chunks. Measured 2026-12-01 (discover / fetchAccount / serve): start
 * 330,190 / 374,412 / 331,308, total 375,285 / 414,236 / 345,915, since the Lambda code
 * validates with zod's mini build (lambda/lib/zod.ts; 394,779 / 439,227 / 396,649 at start
 * with the classic build). The DynamoDB client with @smithy/core and @aws-sdk/core (~200 KB)
 * is now most of each bundle, zod ~37 KB. See docs/benchmarks.md. Serve's budget is
 * 3,000 bytes more since the exposition is printed as bytes (lambda/exposition/bytes.ts,
 * the gathering and the sort by insertion: about 2,740 bytes, for a third less CPU a warm
 * scrape): with stored format 3 it starts at 342,161 bytes, 356,768 in all. fetchAccount's
 * total is 2,000 bytes more since its push path's lazy chunk holds the scrape's read
 * (lambda/serve/state.ts), which decodes full records in batches (lambda/store/full-batches.ts,
 * about 870 bytes, for about 8 % less CPU a cold scrape) and the rule names' wait (asked for
 * every minute, their groups caught up at once, snapshots held while names wait): main
 * before the first was 425,167 in all. Each start is about 1,400 bytes more since the
 * bundles map their own stack traces (lib/stack-maps.ts, about 950 bytes) and take three
 * built-ins from Node's module table (lib/node-builtins/, about 470): 35–50 ms less of
 * each import (docs/benchmarks.md). Measured then: start 333,178 / 384,805 / 343,990,
 * total 381,431 / 426,232 / 358,906. Then the SDK's DynamoDB clients left the bundles (the
 * store calls DynamoDB itself, lib/dynamodb-in-bundle/ stands in for them): start 181,675 /
 * 231,405 / 173,568, total 232,191 / 275,093 / 190,687; the budgets leave about 8 KB.
 * Then the push target loaded the SDK's credential provider only for a SigV4 push
 * (lambda/push/target.ts): start 166,971 / 220,120 / 175,297, total 233,876 / 280,035 /
 * 192,416, and discover's and fetchAccount's start budgets came down by as much. With no
 * schema built at import and the AWS JSON calls sent by lambda/lib/https-post.ts
 * (2026-12-02): start 167,324 / 223,221 / 177,561, total 234,051 / 282,681 / 194,436.
 * With the start folded into index.mjs (lib/start-merge.ts) and SigV4 signed by
 * lambda/lib/sigv4.ts rather than AWS's signer package (2026-12-02, later): start 152,530 /
 * 208,296 / 164,650, total 224,048 / 272,930 / 164,650 (serve loads nothing lazily now).
 */
export const bundleBudgets: Record<keyof typeof handlerEntries, { start: number; total: number }> = {
  discover: { start: 160_000, total: 232_000 },
  fetchAccount: { start: 216_000, total: 281_000 },
  serve: { start: 172_000, total: 172_000 },
};

/**
 * Modules replaced in the bundle. The SDK's DynamoDB clients: the store sends every call
 * the Lambda code makes itself (lambda/store/direct-client.ts), so a bundle needs of them
 * only their command classes and errors (lib/dynamodb-in-bundle/). In Lambda the credentials are in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN): the SDK's default chain
 * (profiles, SSO, web identity and the STS and SSO clients they bring, about 90 KB) is
 * never used there, so the bundle reads the environment only. graphql-request's use of
 * graphql's parser never runs with string documents (lib/graphql-in-bundle.ts).
 */
export const bundleAliases: Record<string, string> = {
  "@aws-sdk/client-dynamodb": `${projectRoot}lib/dynamodb-in-bundle/client.ts`,
  "@aws-sdk/lib-dynamodb": `${projectRoot}lib/dynamodb-in-bundle/document.ts`,
  "@aws-sdk/credential-provider-node": `${projectRoot}lib/lambda-credentials.ts`,
  graphql: `${projectRoot}lib/graphql-in-bundle.ts`,
};

/**
 * Node's built-ins that the bundles take from Node's module table (lib/node-builtins/)
 * instead of importing them as ES modules: building those modules' ES facades reads lazy
 * exports that load code no function runs (undici for `node:http`, Web Crypto for
 * `node:crypto`, the standard streams for `node:process`), about 35–60 ms of each cold
 * start's import; `node:fs/promises` loads at its first call, which only local mode makes.
 * `node:fs` (whose facade loads the promise API, streams and readline) is taken from the
 * module table by its one user, lib/stack-maps.ts. Other built-ins' facades cost under a
 * millisecond and stay imports.
 */
export const builtinAliases: Record<string, string> = Object.fromEntries(
  ["http", "crypto", "process", "fs/promises"].flatMap((name) => {
    const shim = `${projectRoot}lib/node-builtins/${name.replace("/", "-")}.ts`;
    return [
      [`node:${name}`, shim],
      [name, shim],
    ];
  }),
);

/**
 * The esbuild options. One minified, tree-shaken ES module per handler (`index.mjs`), and
 * code splitting: what a handler imports dynamically (the push path, loaded only with
 * REMOTE_WRITE_URL set; the SDK's event-stream code, which DynamoDB never loads) becomes a
 * chunk in the same asset, read only when first imported. `bowser` is the SDK's browser
 * user-agent parser, imported only in browsers. Source maps beside the code, without the
 * sources themselves, for stack traces: lib/stack-maps.ts reads them when a trace is first
 * formatted, not at every cold start as `--enable-source-maps` would.
 */
export const esbuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  mainFields: ["module", "main"],
  minify: true,
  treeShaking: true,
  splitting: true,
  entryNames: "index",
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  sourcemap: true,
  sourcesContent: false,
  alias: { ...bundleAliases, ...builtinAliases },
  external: ["bowser"],
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
} satisfies BuildOptions;

/** Bundles one handler (a path under the project root) into `outdir`; synchronous, as CDK's local bundling is. */
export function bundleHandler(entry: string, outdir: string): Metafile {
  const { metafile } = buildSync({
    ...esbuildOptions,
    absWorkingDir: projectRoot,
    // The handler's module, after the stack traces' source maps are set up (lib/stack-maps.ts).
    stdin: {
      contents: `import "./lib/stack-maps-install.ts";\nexport * from "./${entry}";\n`,
      resolveDir: projectRoot,
      sourcefile: "index.ts",
      loader: "ts",
    },
    outdir,
  });
  mergeStartChunks(outdir, metafile, projectRoot, esbuildOptions);
  rootRelativeSources(outdir);
  return metafile;
}

/**
 * Names each map's sources from the project's root (`lambda/serve/state.ts`) rather than
 * from wherever the asset was written (`../../lambda/…`, `../../../work/x/lambda/…`): the
 * names a stack trace shows (lib/stack-maps.ts).
 */
function rootRelativeSources(outdir: string): void {
  for (const file of readdirSync(outdir, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".map")) continue;
    const path = join(outdir, file);
    const map = JSON.parse(readFileSync(path, "utf8")) as { sources: string[] };
    map.sources = map.sources.map((source) => relative(projectRoot, resolve(dirname(path), source)));
    writeFileSync(path, JSON.stringify(map));
  }
}

export interface BundleSizes {
  /** What a cold start reads: index.mjs and the chunks it imports statically. */
  startBytes: number;
  /** Those files, relative to the asset: index.mjs alone since lib/start-merge.ts. */
  startFiles: string[];
  /** The whole asset's code: every .mjs file (source maps not counted). */
  totalBytes: number;
}

/**
 * The sizes of a bundled handler in `dir`: a static import in esbuild's output reads
 * `from"./chunks/x.mjs"` or `import"./chunks/x.mjs"`, a lazy one `import("./chunks/x.mjs")`.
 */
export function bundleSizes(dir: string): BundleSizes {
  const files = bundleFiles(dir);
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file) || files[file] === undefined) return;
    loaded.add(file);
    const code = readFileSync(join(dir, file), "utf8");
    for (const [, specifier] of code.matchAll(/(?:from|import)\s*"(\.{1,2}\/[^"]+\.mjs)"/g))
      if (specifier) visit(relative(dir, join(dir, dirname(file), specifier)));
  };
  visit("index.mjs");
  const sum = (names: string[]) => names.reduce((total, name) => total + (files[name] ?? 0), 0);
  return { startBytes: sum([...loaded]), startFiles: [...loaded], totalBytes: sum(Object.keys(files)) };
}

/** The .mjs files of a bundled asset, relative to it, with their sizes on disk. */
export function bundleFiles(dir: string): Record<string, number> {
  const files: Record<string, number> = {};
  for (const entry of readdirSync(dir, { recursive: true, encoding: "utf8" }))
    if (entry.endsWith(".mjs")) files[entry] = statSync(join(dir, entry)).size;
  return files;
}
