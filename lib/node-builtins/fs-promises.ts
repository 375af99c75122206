/**
 * `node:fs/promises` in the Lambda bundles (lib/bundling.ts `builtinAliases`), loaded at
 * its first call: only local mode reads files this way (the overrides file, the SDK's
 * shared config files), and loading the promise API at import costs each cold start about
 * 3 ms. Only the names the bundles import are exported (a new one fails the build).
 */
type FsPromises = typeof import("node:fs/promises");

const fsPromises = (): FsPromises => process.getBuiltinModule("node:fs/promises");

export const readFile: FsPromises["readFile"] = ((...args: Parameters<FsPromises["readFile"]>) =>
  fsPromises().readFile(...args)) as FsPromises["readFile"];
