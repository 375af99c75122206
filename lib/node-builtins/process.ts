/**
 * `node:process` in the Lambda bundles (lib/bundling.ts `builtinAliases`): the global
 * `process`, without the ES module facade whose construction reads `stdin`, `stdout` and
 * `stderr` and so opens all three streams at every cold start. Only the names the bundles
 * import are exported (a new one fails the build).
 */
export const { env, versions } = process;
export default process;
