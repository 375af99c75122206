import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { App, type CfnElement } from "aws-cdk-lib";
import { afterAll, describe, expect, it } from "vitest";
import { bundleBudgetBytes } from "../../lib/bundling.ts";
import { ExporterStack } from "../../lib/exporter-stack.ts";

/**
 * The one test that really bundles: esbuild (from node_modules, no Docker) turns each
 * handler into a single minified, tree-shaken ES module with the AWS SDK inside. Each
 * must stay within its budget (lib/bundling.ts); `npm run bench` measures bytes and
 * import time.
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

  for (const [name, fn] of Object.entries(functions)) {
    it(`${name}: one small, minified ES module that loads and exports handler`, async () => {
      const dir = bundleOf(fn);
      const code = readFileSync(join(dir, "index.mjs"), "utf8");
      const bytes = statSync(join(dir, "index.mjs")).size;
      console.info(
        `${name} bundle: ${bytes} bytes (source map ${statSync(join(dir, "index.mjs.map")).size})`,
      );
      expect(bytes).toBeGreaterThan(10_000);
      expect(bytes).toBeLessThanOrEqual(bundleBudgetBytes);
      // Only what a handler runs: no simulator, CLI, docs generator, zod locale but English.
      const { sources } = JSON.parse(readFileSync(join(dir, "index.mjs.map"), "utf8")) as {
        sources: string[];
      };
      const unwanted = sources.filter((source) =>
        /local\/|lambda\/config\/cli|metric-docs|zod\/v4\/locales\/(?!en\.)|prom-client|esbuild|aws-cdk/.test(
          source,
        ),
      );
      expect(unwanted).toEqual([]);
      // Minified: long lines (the newlines left are inside template literals). ESM: the
      // createRequire banner opens it.
      expect(bytes / code.split("\n").length).toBeGreaterThan(2_000);
      expect(code.startsWith("import{createRequire as __exporterCreateRequire}from'node:module';")).toBe(
        true,
      );
      // The AWS SDK is inside, not expected from the runtime.
      expect(code).not.toMatch(/from\s*"@aws-sdk\//);
      expect(code).toContain("DynamoDB");
      const loaded = (await import(pathToFileURL(join(dir, "index.mjs")).href)) as { handler?: unknown };
      expect(typeof loaded.handler).toBe("function");
    });
  }

  // The source map names every input esbuild kept, so it tells which packages a bundle holds.
  const runtime = new Set(Object.keys(packageJson.dependencies));
  const packagesOf = (fn: (typeof functions)[keyof typeof functions]) => {
    const map = JSON.parse(readFileSync(join(bundleOf(fn), "index.mjs.map"), "utf8")) as {
      sources: string[];
    };
    const names = map.sources.flatMap((source) => {
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
    // The endpoint never calls Cloudflare: no GraphQL client in its bundle.
    expect(direct.serve?.filter((p) => p.startsWith("graphql"))).toEqual([]);
    for (const collector of [direct.discover, direct.fetchAccount])
      expect(collector).toEqual(expect.arrayContaining(["graphql-request", "zod", "@aws-sdk/lib-dynamodb"]));
  });
});
