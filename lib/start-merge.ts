import { rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { type BuildOptions, buildSync, type Metafile } from "esbuild";

type Output = Metafile["outputs"][string];

/** The options of the split build that the merge's build keeps (lib/bundling.ts `esbuildOptions`). */
export type MergeOptions = Pick<
  BuildOptions,
  "platform" | "format" | "target" | "minify" | "sourcemap" | "sourcesContent" | "legalComments" | "logLevel"
>;

/**
 * Folds the chunks that a cold start imports statically into index.mjs, so that a cold
 * start loads one ES module where esbuild's code splitting left several: Node's loader
 * spends about half a millisecond on each module file (resolving, reading, linking), and
 * the small chunks esbuild makes for code that the entry shares with a lazy chunk were
 * most of a handler's files (fetchAccount loaded seven). Each folded chunk's exports are
 * exported again by index.mjs under names of their own (`a` of the first as `a$0`), and the
 * chunk's file becomes one line that re-exports them from index.mjs: a lazy chunk that
 * imports it gets the code already loaded, the same module instance, not a second copy.
 * The source maps are carried through: esbuild reads each input's map.
 */
export function mergeStartChunks(
  outdir: string,
  metafile: Metafile,
  root: string,
  options: MergeOptions,
): void {
  const outputs = new Map(
    Object.entries(metafile.outputs)
      .filter(([path]) => path.endsWith(".mjs"))
      .map(([path, output]) => [resolve(root, path), output] as const),
  );
  const entry = join(outdir, "index.mjs");
  const start = staticImports(entry, outputs, root);
  if (start.length === 0) return;
  const alias = (index: number) => (name: string) => `${name}$${index}`;
  const exportsOf = (path: string) => outputs.get(path)?.exports ?? [];
  const reexports = start.map(
    (path, index) =>
      `export { ${exportsOf(path)
        .map((name) => `${name} as ${alias(index)(name)}`)
        .join(", ")} } from "${moduleSpecifier(outdir, path)}";`,
  );
  const { outputFiles } = buildSync({
    stdin: {
      contents: [`export * from "./index.mjs";`, ...reexports].join("\n"),
      resolveDir: outdir,
      sourcefile: "start.mjs",
    },
    outfile: entry,
    // The lazy chunks stay files of their own; esbuild writes their paths from index.mjs.
    external: [...outputs.keys()].filter((path) => path !== entry && !start.includes(path)),
    platform: options.platform,
    format: options.format,
    target: options.target,
    minify: options.minify,
    sourcemap: options.sourcemap,
    sourcesContent: options.sourcesContent,
    legalComments: options.legalComments,
    logLevel: options.logLevel,
    bundle: true,
    allowOverwrite: true,
    write: false,
  });
  for (const file of outputFiles) writeFileSync(file.path, file.contents);
  start.forEach((path, index) => {
    const names = exportsOf(path).map((name) => `${alias(index)(name)} as ${name}`);
    writeFileSync(path, `export{${names.join(",")}}from"${moduleSpecifier(dirname(path), entry)}";\n`);
    rmSync(`${path}.map`, { force: true });
  });
}

/** The outputs that `entry` imports statically, directly or through another. */
function staticImports(entry: string, outputs: Map<string, Output>, root: string): string[] {
  const found: string[] = [];
  const visit = (path: string) => {
    for (const imported of outputs.get(path)?.imports ?? []) {
      const target = resolve(root, imported.path);
      if (imported.kind !== "import-statement" || !outputs.has(target) || found.includes(target)) continue;
      found.push(target);
      visit(target);
    }
  };
  visit(entry);
  return found;
}

/** `to` as an import specifier from a module in `fromDir`: `./x.mjs` or `../x.mjs`. */
function moduleSpecifier(fromDir: string, to: string): string {
  const path = relative(fromDir, to);
  return path.startsWith("../") ? path : `./${path}`;
}
