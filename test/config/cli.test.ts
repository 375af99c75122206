import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  DeleteParameterCommand,
  GetParametersByPathCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runConfigCli } from "../../lambda/config/cli.ts";
import { ssmOverrideStore } from "../../lambda/config/override-store.ts";

const run = promisify(execFile);

/** `npm run config` is `node bin/config.ts`; run it for real against a temporary data directory. */
async function cli(dataDir: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["bin/config.ts", ...args], {
      env: { PATH: process.env.PATH, DATA_DIR: dataDir },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("npm run config, local mode (the overrides file, for real)", () => {
  let dataDir: string;
  const file = () => join(dataDir, "config-overrides.json");
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "config-cli-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("writes a valid value, by key or by environment name", async () => {
    expect(await cli(dataDir, "set", "scrapeDelaySeconds", "600")).toEqual({
      code: 0,
      stdout: `scrapeDelaySeconds = 600 (written to ${file()})\n`,
      stderr: "",
    });
    expect((await cli(dataDir, "set", "EXCLUDE_HOST", "no")).code).toBe(0);
    expect(JSON.parse(await readFile(file(), "utf8"))).toEqual({
      scrapeDelaySeconds: "600",
      excludeHost: "no",
    });
    expect((await cli(dataDir, "get", "scrapeDelaySeconds")).stdout).toBe("600 (file)\n");
    expect((await cli(dataDir, "get", "queryLimit")).stdout).toBe("10000 (default)\n");
  });

  it("refuses an invalid value and writes nothing", async () => {
    const before = await readFile(file(), "utf8");
    expect(await cli(dataDir, "set", "scrapeDelaySeconds", "90")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'refused: scrapeDelaySeconds="90": must be a whole number of minutes\n',
    });
    expect(await cli(dataDir, "set", "timeWindowSeconds", "900")).toMatchObject({
      code: 1,
      stderr:
        'refused: timeWindowSeconds="900": SCRAPE_DELAY_SECONDS must not be shorter than TIME_WINDOW_SECONDS\n',
    });
    expect(await cli(dataDir, "set", "metricsAuth", "disabled")).toMatchObject({
      code: 1,
      stderr: "refused: metricsAuth is set by the deployment only (METRICS_AUTH); it cannot be overridden\n",
    });
    expect(await cli(dataDir, "set", "scrapeDelay", "600")).toMatchObject({
      code: 2,
      stderr: 'unknown setting "scrapeDelay"; run "list" to see them all\n',
    });
    expect(await readFile(file(), "utf8")).toBe(before);
  });

  it("lists every setting with its source, and unsets", async () => {
    const listed = (await cli(dataDir, "list")).stdout.split("\n");
    expect(listed[0]).toBe(`overrides: ${file()}`);
    expect(listed.find((line) => line.startsWith("scrapeDelaySeconds "))?.split(/\s+/)).toEqual([
      "scrapeDelaySeconds",
      "600",
      "file",
    ]);
    expect((await cli(dataDir, "unset", "scrapeDelaySeconds")).stdout).toBe(
      "scrapeDelaySeconds: override removed\n",
    );
    expect((await cli(dataDir, "unset", "scrapeDelaySeconds")).stdout).toBe(
      "scrapeDelaySeconds: there was no override\n",
    );
    expect(JSON.parse(await readFile(file(), "utf8"))).toEqual({ excludeHost: "no" });
  });
});

describe("npm run config against SSM", () => {
  const ssm = mockClient(SSMClient);
  const path = "/cloudflare-exporter/config";
  beforeEach(() => {
    ssm.reset();
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [{ Name: `${path}/scrapeDelaySeconds`, Value: "600", Type: "String" }],
    });
  });
  const lines: string[] = [];
  const deps = () => ({
    store: ssmOverrideStore(`${path}/`, new SSMClient({})),
    env: {},
    out: (line: string) => lines.push(line),
    err: (line: string) => lines.push(`error: ${line}`),
  });

  it("validates against the overrides already stored, then writes one String parameter", async () => {
    lines.length = 0;
    // 600 s of delay (stored) allows a 600 s window; the health limit must grow with it first.
    expect(await runConfigCli(["set", "timeWindowSeconds", "600"], deps())).toBe(1);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(await runConfigCli(["set", "healthMaxAgeSeconds", "1800"], deps())).toBe(0);
    expect(ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input)).toEqual([
      {
        Name: `${path}/healthMaxAgeSeconds`,
        Value: "1800",
        Type: "String",
        Overwrite: true,
        Description: "cloudflare-exporter runtime override (written by npm run config)",
      },
    ]);
    expect(lines).toEqual([
      'error: refused: timeWindowSeconds="600": HEALTH_MAX_AGE_SECONDS must exceed SCRAPE_DELAY_SECONDS + TIME_WINDOW_SECONDS + METRIC_REFRESH_INTERVAL_SECONDS, or /health is never healthy',
      `healthMaxAgeSeconds = 1800 (written to ${path}/healthMaxAgeSeconds)`,
    ]);
  });

  it("refuses garbage without calling SSM", async () => {
    expect(await runConfigCli(["set", "excludeHost", "maybe"], deps())).toBe(1);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it("unsets with DeleteParameter, and says when there was nothing to remove", async () => {
    lines.length = 0;
    ssm
      .on(DeleteParameterCommand)
      .resolvesOnce({})
      .rejectsOnce(new ParameterNotFound({ message: "not found", $metadata: {} }));
    expect(await runConfigCli(["unset", "scrapeDelaySeconds"], deps())).toBe(0);
    expect(await runConfigCli(["unset", "scrapeDelaySeconds"], deps())).toBe(0);
    expect(ssm.commandCalls(DeleteParameterCommand).map((call) => call.args[0].input.Name)).toEqual([
      `${path}/scrapeDelaySeconds`,
      `${path}/scrapeDelaySeconds`,
    ]);
    expect(lines).toEqual([
      "scrapeDelaySeconds: override removed",
      "scrapeDelaySeconds: there was no override",
    ]);
  });
});
