import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../lib/exporter-function.ts";

/**
 * `bin/app.ts` as the CDK CLI runs it (`cdk.json`: `node bin/app.ts`, with the output
 * directory and context in CDK_OUTDIR / CDK_CONTEXT_JSON), but without the CLI: no AWS
 * credentials, no network. Bundling is skipped here; bundle.test.ts bundles for real.
 */
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function runApp(context: Record<string, unknown>) {
  const outdir = mkdtempSync(join(tmpdir(), "exporter-app-"));
  outdirs.push(outdir);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("AWS_")) env[name] = value;
  }
  const result = spawnSync(process.execPath, ["bin/app.ts"], {
    cwd: projectRoot,
    encoding: "utf8",
    env: {
      ...env,
      AWS_EC2_METADATA_DISABLED: "true",
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ "aws:cdk:bundling-stacks": [], ...context }),
    },
  });
  return { ...result, outdir };
}

describe("the CDK app", () => {
  it("synthesizes offline, with the cdk-nag plugin passing", () => {
    const { status, stderr, outdir } = runApp({});
    expect(stderr).not.toMatch(/error/i);
    expect(status).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, "CloudflareExporter.template.json"), "utf8"));
    expect(Object.keys(template.Resources).length).toBeGreaterThan(30);
    // The stack is environment-agnostic: account and region resolve at deploy time.
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
    expect(manifest.artifacts.CloudflareExporter.environment).toBe("aws://unknown-account/unknown-region");
    const report = join(outdir, "validation-report.json");
    if (existsSync(report)) {
      const reports = JSON.parse(readFileSync(report, "utf8")).pluginReports as {
        summary?: { status: string };
      }[];
      for (const plugin of reports) expect(plugin.summary?.status).not.toBe("failure");
    }
  });

  it("pins the environment when given an account and a region", () => {
    const { status, outdir } = runApp({ account: "123456789012", region: "eu-west-1" });
    expect(status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
    expect(manifest.artifacts.CloudflareExporter.environment).toBe("aws://123456789012/eu-west-1");
  });

  it("stops with a plain message, not a stack trace, on a context mistake", () => {
    const { status, stderr } = runApp({ exporterEnvironment: { SCRAPE_DELAY_SECOND: "120" } });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^Cannot synthesize the exporter: context exporterEnvironment: unknown setting/);
    expect(stderr).not.toMatch(/ at /);
  });
});
