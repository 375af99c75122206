import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { App, type CfnElement } from "aws-cdk-lib";
import { afterAll, describe, expect, it } from "vitest";
import { bundleBudgets, bundleFiles, bundleSizes } from "../../lib/bundling.ts";
import { ExporterStack } from "../../lib/exporter-stack.ts";

/**
 * The one test that really bundles: esbuild (from node_modules, no Docker) turns each
 * handler into a minified, tree-shaken ES module with the AWS SDK inside, and the chunks
 * it loads lazily. Each must stay within its budgets (lib/bundling.ts): what a cold start
 * reads, and the whole asset; `npm run bench` measures bytes and import time.
 */

const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe("the Lambda bundles", () => {
  const outdir = mkdtempSync(join(tmpdir(), "exporter-bundle-"));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir });
  const stack = new ExporterStack(app, "Bundled");
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Properties: { Code: { S3Key: string } } }>;
  };
  const functions = {
    discover: stack.collection.discover.function,
    fetchAccount: stack.collection.fetchAccount.function,
    serve: stack.serving.serve.function,
  };
  const bundleOf = (fn: (typeof functions)[keyof typeof functions]) => {
    const id = stack.resolve(stack.getLogicalId(fn.node.defaultChild as CfnElement)) as string;
    const key = template.Resources[id]?.Properties.Code.S3Key ?? "";
    return join(outdir, `asset.${key.replace(/\.zip$/, "")}`);
  };

  /** Every input esbuild kept, as the asset's source maps name them. */
  const sourcesOf = (dir: string) =>
    readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".mjs.map"))
      .flatMap(
        (file) => (JSON.parse(readFileSync(join(dir, file), "utf8")) as { sources: string[] }).sources,
      );

  for (const [name, fn] of Object.entries(functions) as [
    keyof typeof functions,
    (typeof functions)["serve"],
  ][]) {
    it(`${name}: small, minified ES modules that load and export handler`, async () => {
      const dir = bundleOf(fn);
      const code = readFileSync(join(dir, "index.mjs"), "utf8");
      const sizes = bundleSizes(dir);
      console.info(`${name} bundle: ${JSON.stringify({ ...sizes, files: bundleFiles(dir) })}`);
      expect(sizes.startBytes).toBeGreaterThan(10_000);
      expect(sizes.startBytes).toBeLessThanOrEqual(bundleBudgets[name].start);
      expect(sizes.totalBytes).toBeLessThanOrEqual(bundleBudgets[name].total);
      // Only what a handler runs: no simulator, CLI, docs generator, zod locale but English.
      const unwanted = sourcesOf(dir).filter((source) =>
        /local\/|lambda\/config\/cli|metric-docs|zod\/v4\/locales\/(?!en\.)|prom-client|esbuild|aws-cdk/.test(
          source,
        ),
      );
      expect(unwanted).toEqual([]);
      // Minified: long lines (the newlines left are inside template literals), or one line
      // in a chunk smaller than that, before the map's comment. No `require`: ES modules
      // have none, and esbuild's stand-in for one throws "Dynamic require of …" when called.
      for (const file of Object.keys(bundleFiles(dir))) {
        const text = readFileSync(join(dir, file), "utf8");
        const code = text
          .split("\n")
          .filter((line) => line !== "" && !line.startsWith("//# sourceMappingURL="));
        const codeChars = code.join("\n").length;
        expect(codeChars / code.length).toBeGreaterThanOrEqual(Math.min(2_000, codeChars));
        expect(text).not.toContain("Dynamic require of");
        // The AWS SDK is inside, not expected from the runtime.
        expect(text).not.toMatch(/from\s*"@aws-sdk\//);
      }
      // A cold start loads one module file: the chunks it would import are folded into it.
      expect(sizes.startFiles).toEqual(["index.mjs"]);
      const loaded = (await import(pathToFileURL(join(dir, "index.mjs")).href)) as { handler?: unknown };
      expect(typeof loaded.handler).toBe("function");
      expect(code.length).toBeGreaterThan(0);
    });
  }

  it("loads the push path and the SDK's event streams only when used: chunks of their own", () => {
    for (const fn of [functions.discover, functions.fetchAccount]) {
      const files = Object.keys(bundleFiles(bundleOf(fn)));
      expect(files.filter((file) => /^chunks\/(runtime|event-streams)-/.test(file)).length).toBe(2);
    }
    expect(Object.keys(bundleFiles(bundleOf(functions.serve))).filter((f) => f.includes("runtime-"))).toEqual(
      [],
    );
  });

  // The source map names every input esbuild kept, so it tells which packages a bundle holds.
  const runtime = new Set(Object.keys(packageJson.dependencies));
  const packagesOf = (fn: (typeof functions)[keyof typeof functions]) => {
    const names = sourcesOf(bundleOf(fn)).flatMap((source) => {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(
        source.slice(source.lastIndexOf("node_modules/")),
      );
      return match?.[1] ? [match[1]] : [];
    });
    return [...new Set(names)].sort();
  };

  it("holds runtime dependencies only: never aws-cdk-lib, constructs or a devDependency", () => {
    const devOnly = Object.keys(packageJson.devDependencies);
    const direct: Record<string, string[]> = {};
    for (const [name, fn] of Object.entries(functions)) {
      const packages = packagesOf(fn);
      expect(
        packages.filter((p) => p === "aws-cdk-lib" || p === "constructs" || devOnly.includes(p)),
      ).toEqual([]);
      direct[name] = packages.filter((p) => runtime.has(p));
      console.info(`${name} bundle packages (${packages.length}): ${packages.join(" ")}`);
    }
    // The endpoint never calls Cloudflare: no GraphQL client in its bundle. No bundle holds
    // the SDK's DynamoDB clients: the store calls DynamoDB itself and lib/dynamodb-in-bundle/
    // stands in for them (docs/deploy.md lists these).
    const sdkSigning = ["@aws-sdk/util-dynamodb"];
    const collectors = [
      "@aws-sdk/credential-provider-env",
      ...sdkSigning,
      "graphql-request",
      "snappyjs",
      "zod",
    ];
    expect(direct).toEqual({
      discover: collectors,
      fetchAccount: collectors,
      serve: [...sdkSigning, "zod"],
    });
    expect(documentedPackages()).toEqual(direct);
  });
});

/** docs/deploy.md's table of the runtime dependencies each bundle holds ("yes"), by bundle. */
function documentedPackages(): Record<string, string[]> {
  const text = readFileSync(new URL("../../docs/deploy.md", import.meta.url), "utf8");
  const table = text.slice(text.indexOf("| Runtime dependency |")).split("\n\n")[0] ?? "";
  const held: Record<string, string[]> = { discover: [], fetchAccount: [], serve: [] };
  for (const row of table.split("\n").slice(2)) {
    const [packages = "", ...columns] = row.split("|").slice(1, -1);
    // The packages named before any remark in parentheses.
    const names = [...(packages.split("(")[0] ?? "").matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? "");
    ["discover", "fetchAccount", "serve"].forEach((bundle, i) => {
      if (columns[i]?.trim() === "yes") held[bundle]?.push(...names);
    });
  }
  return Object.fromEntries(Object.entries(held).map(([bundle, names]) => [bundle, names.sort()]));
}
