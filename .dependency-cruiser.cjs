/**
 * The house's structure, enforced by `npm test` (`npm run deps`). Layers of the Lambda code,
 * top to bottom; an import may only go down:
 *   handlers -> push -> (serve | collect) -> (catalogue | config) -> (cloudflare | store | exposition | lib)
 * The push (remote write) sends what a run's writes advanced and the self-metrics as the
 * scrape serves them, so it sits above both; a run gets it passed in (FetchDeps.push).
 * The catalogue (every metric declaration) is imported by collection, serving and config and
 * imports none of them. Lambda code never imports local/, test/ or bench/.
 */
const layer = (name) => `^lambda/${name}/`;
const upward = (from, ...to) => ({
  name: `${from}-not-up`,
  comment: `lambda/${from}/ sits below ${to.join(", ")}: it must not import them`,
  severity: "error",
  from: { path: layer(from) },
  to: { path: `^lambda/(${to.join("|")})/` },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "an import cycle makes a module's meaning depend on load order",
      severity: "error",
      from: { path: "^(lambda|lib|local)/" },
      to: { circular: true },
    },
    {
      name: "lambda-not-local-test-bench",
      comment: "Lambda bundles ship lambda/ only: no local mode, test or bench code in them",
      severity: "error",
      from: { path: "^lambda/" },
      to: { path: "^(local|test|bench)/" },
    },
    upward("push", "handlers"),
    upward("serve", "handlers", "push", "collect"),
    upward("collect", "handlers", "push", "serve"),
    upward("catalogue", "handlers", "push", "serve", "collect", "config"),
    upward("config", "handlers", "push", "serve", "collect"),
    upward(
      "cloudflare",
      "handlers",
      "push",
      "serve",
      "collect",
      "catalogue",
      "config",
      "store",
      "exposition",
    ),
    upward(
      "store",
      "handlers",
      "push",
      "serve",
      "collect",
      "catalogue",
      "config",
      "cloudflare",
      "exposition",
    ),
    upward(
      "exposition",
      "handlers",
      "push",
      "serve",
      "collect",
      "catalogue",
      "config",
      "cloudflare",
      "store",
    ),
    upward(
      "lib",
      "handlers",
      "push",
      "serve",
      "collect",
      "catalogue",
      "config",
      "cloudflare",
      "store",
      "exposition",
    ),
    {
      name: "lambda-zod-mini",
      comment:
        "Lambda code imports zod through lambda/lib/zod.ts (the mini build, English messages): one import of the classic build puts its every schema type back in a bundle",
      severity: "error",
      from: { path: "^lambda/", pathNot: "^lambda/lib/zod[.]ts$" },
      to: { path: "node_modules/zod/" },
    },
    {
      name: "not-to-unresolvable",
      comment: "every import resolves (a moved file leaves no dangling path)",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    // TypeScript 7 has no compiler API yet; swc parses the sources instead.
    parser: "swc",
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "\\.graphql$" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
  },
};
