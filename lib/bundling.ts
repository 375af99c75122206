import { fileURLToPath } from "node:url";

/**
 * How every handler is bundled, in one place: the stack's esbuild run (through
 * NodejsFunction) and the bench's (which measures what the stack ships) read it.
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
 * Each bundle stays under this many bytes; test/infra/bundle.test.ts fails past it.
 * Measured 2026-12-01 with SSM and Secrets Manager read by signed JSON calls
 * (lambda/lib/aws-json.ts) and without graphql's parser: discover 437,017, fetchAccount
 * 468,302, serve 408,785 (572,353 / 603,483 / 494,524 before). See docs/benchmarks.md.
 */
export const bundleBudgetBytes = 480_000;

/**
 * Lets CommonJS dependencies bundled into an ES module still `require` Node's built-ins
 * (esbuild's ESM output has no `require` of its own).
 */
export const requireBanner =
  "import{createRequire as __exporterCreateRequire}from'node:module';const require=__exporterCreateRequire(import.meta.url);";

/**
 * Modules replaced in the bundle. In Lambda the credentials are in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN): the SDK's default chain
 * (profiles, SSO, web identity and the STS and SSO clients they bring, about 90 KB) is
 * never used there, so the bundle reads the environment only. graphql-request's use of
 * graphql's parser never runs with string documents (lib/graphql-in-bundle.ts).
 */
export const bundleAliases: Record<string, string> = {
  "@aws-sdk/credential-provider-node": `${projectRoot}lib/lambda-credentials.ts`,
  graphql: `${projectRoot}lib/graphql-in-bundle.ts`,
};

/** The esbuild options both runs share (NodejsFunction spells them as props). */
export const esbuildOptions: {
  bundle: true;
  platform: "node";
  format: "esm";
  target: string;
  mainFields: string[];
  minify: true;
  treeShaking: true;
  banner: { js: string };
  alias: Record<string, string>;
  legalComments: "none";
} = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  mainFields: ["module", "main"],
  minify: true,
  treeShaking: true,
  banner: { js: requireBanner },
  alias: bundleAliases,
  legalComments: "none",
};
