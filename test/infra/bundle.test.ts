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
});
