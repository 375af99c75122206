import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createConfigProvider,
  fileOverrides,
  ssmOverrides,
  unreadableOverrides,
} from "../../lambda/config/provider.ts";
import { awsJsonClient } from "../../lambda/lib/aws-json.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { createApp, type HttpRequest } from "../../lambda/serve/app.ts";
import type { StoredState } from "../../lambda/serve/state.ts";
import { type AwsJsonFake, errors, startAwsJsonFake } from "../lib/aws-json-fake.ts";

/** SSM as its JSON API answers, over HTTP, signatures checked (test/lib/aws-json-fake.ts). */
const path = "/cloudflare-exporter/config";
let ssm: AwsJsonFake;
beforeAll(async () => {
  ssm = await startAwsJsonFake();
});
afterAll(() => ssm.close());
const setParameters = (values: Record<string, string>) => {
  ssm.parameters.clear();
  for (const [name, value] of Object.entries(values)) ssm.parameters.set(`${path}/${name}`, value);
};
const reader = (maxAgeSeconds: number, clock?: () => number) =>
  ssmOverrides(`${path}/`, { env: ssm.env, maxAgeSeconds, ...(clock ? { clock } : {}) });

beforeEach(() => {
  ssm.parameters.clear();
  ssm.calls.length = 0;
  ssm.pageSize = 10;
});

describe("SSM overrides", () => {
  it("reads every page of one GetParametersByPath under the config path, not below it", async () => {
    ssm.pageSize = 1;
    setParameters({ scrapeDelaySeconds: "600", excludeHost: "true" });
    ssm.parameters.set(`${path}/nested/queryLimit`, "1");
    let now = 0;
    const overrides = reader(60, () => now);
    expect(await overrides.read()).toEqual({ scrapeDelaySeconds: "600", excludeHost: "true" });
    expect(ssm.calls).toEqual([
      {
        target: "AmazonSSM.GetParametersByPath",
        input: { Path: path, Recursive: false, WithDecryption: false },
      },
      {
        target: "AmazonSSM.GetParametersByPath",
        input: { Path: path, Recursive: false, WithDecryption: false, NextToken: "1" },
      },
    ]);
    // Cached for maxAge: a second read within it makes no call; after it, one read again.
    now = 59_999;
    await overrides.read();
    expect(ssm.calls).toHaveLength(2);
    now = 60_000;
    await overrides.read();
    expect(ssm.calls).toHaveLength(4);
  });

  it("keeps a parameter named __proto__ as a key, to be reported as unknown", async () => {
    ssm.parameters.set(`${path}/__proto__`, "1");
    const values = await reader(0).read();
    expect(Object.keys(values)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
  });

  it("ssm beats env beats default, an invalid override is ignored, logged and shown, the environment's value in force", async () => {
    setParameters({ scrapeDelaySeconds: "600", queryLimit: "5000" });
    const logger = memoryLogger();
    const provider = createConfigProvider({
      env: { SCRAPE_DELAY_SECONDS: "480", QUERY_LIMIT: "2000", EXCLUDE_HOST: "true" },
      overrides: reader(0),
      logger,
    });
    const first = await provider.current();
    expect(first.config).toMatchObject({ scrapeDelaySeconds: 600, queryLimit: 5000, excludeHost: true });
    expect(first.sources).toMatchObject({ scrapeDelaySeconds: "ssm", queryLimit: "ssm", excludeHost: "env" });
    expect(first.sources.initialLookbackSeconds).toBe("default");

    setParameters({ scrapeDelaySeconds: "ten minutes", queryLimit: "5000" });
    const second = await provider.current();
    expect(second.config.scrapeDelaySeconds).toBe(480);
    expect(second.sources.scrapeDelaySeconds).toBe("env");
    expect(second.issues).toEqual([
      { key: "scrapeDelaySeconds", value: "ten minutes", source: "ssm", rule: "must be a whole number" },
    ]);
    expect(logger.lines).toEqual([
      {
        level: "warn",
        message: 'config override ignored: scrapeDelaySeconds="ten minutes" (ssm): must be a whole number',
        key: "scrapeDelaySeconds",
        value: "ten minutes",
        source: "ssm",
        rule: "must be a whole number",
      },
    ]);
    await provider.current(); // the same rejection is not logged again
    expect(logger.lines).toHaveLength(1);

    setParameters({ scrapeDelaySeconds: "720", queryLimit: "5000" });
    const fixed = await provider.current();
    expect(fixed.config.scrapeDelaySeconds).toBe(720);
    expect(fixed.issues).toEqual([]);
  });

  it("keeps the overrides last read when SSM cannot be read (throttled past the retries, or denied), and says so", async () => {
    setParameters({ scrapeDelaySeconds: "600" });
    const call = awsJsonClient("ssm", { env: ssm.env, sleep: async () => {} });
    const provider = createConfigProvider({
      env: {},
      overrides: ssmOverrides(path, { call, maxAgeSeconds: 0 }),
      logger: memoryLogger(),
    });
    expect((await provider.current()).config.scrapeDelaySeconds).toBe(600);
    ssm.failNext(errors.throttling, errors.throttling, errors.throttling);
    const during = await provider.current();
    expect(during.config.scrapeDelaySeconds).toBe(600);
    expect(during.issues).toEqual([
      {
        key: unreadableOverrides,
        value: `${path}/`,
        source: "ssm",
        rule: "could not be read: Rate exceeded",
      },
    ]);
    ssm.failNext(errors.accessDenied);
    expect((await provider.current()).issues.map((issue) => issue.rule)).toEqual([
      `could not be read: ${errors.accessDenied.message}`,
    ]);
    // Throttled once, then answered: the retry hides it.
    ssm.failNext(errors.throttling);
    expect((await provider.current()).issues).toEqual([]);
  });

  it("refuses to start on an invalid environment value, naming it", async () => {
    const provider = createConfigProvider({ env: { QUERY_LIMIT: "lots" }, logger: memoryLogger() });
    await expect(provider.current()).rejects.toThrow(
      'invalid configuration: QUERY_LIMIT="lots" (env): must be a whole number',
    );
  });
});

describe("local mode's overrides file", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "overrides-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("is no overrides when missing, and is read again at every resolution", async () => {
    const file = join(dir, "config-overrides.json");
    const provider = createConfigProvider({
      env: {},
      overrides: fileOverrides(file),
      logger: memoryLogger(),
    });
    expect((await provider.current()).sources.excludeHost).toBe("default");
    await writeFile(file, JSON.stringify({ excludeHost: "yes" }));
    const resolved = await provider.current();
    expect(resolved.config.excludeHost).toBe(true);
    expect(resolved.sources.excludeHost).toBe("file");
  });

  it("reports a file that is not a JSON object of strings, keeping the last overrides", async () => {
    const file = join(dir, "broken.json");
    await writeFile(file, JSON.stringify({ excludeHost: "true" }));
    const provider = createConfigProvider({
      env: {},
      overrides: fileOverrides(file),
      logger: memoryLogger(),
    });
    expect((await provider.current()).config.excludeHost).toBe(true);
    await writeFile(file, "{ excludeHost: true");
    const resolved = await provider.current();
    expect(resolved.config.excludeHost).toBe(true);
    expect(resolved.issues.map((issue) => issue.key)).toEqual([unreadableOverrides]);
    expect(resolved.issues[0]?.rule).toMatch(/^could not be read: .*JSON/);
  });
});

describe("the endpoint's view of the settings", () => {
  const emptyState: StoredState = { accounts: [] };
  const get = (path: string): HttpRequest => ({ method: "GET", path, rawQuery: "", headers: {} });
  const appWith = (env: Record<string, string>, overrides: Record<string, string>) => {
    setParameters(overrides);
    return createApp({
      settings: createConfigProvider({
        env,
        overrides: reader(0),
        logger: memoryLogger(),
      }),
      readState: async () => emptyState,
      clock: () => Date.UTC(2026, 10, 21),
      build: { version: "test", runtime: "node" },
      auth: { required: false, credentials: {} },
      logger: memoryLogger(),
    });
  };

  it("exports cloudflare_exporter_config_errors per rejected key while the override is wrong", async () => {
    const app = appWith({}, { scrapeDelaySeconds: "90", excludeHost: "perhaps", logLevel: "debug" });
    const body = String((await app(get("/metrics"))).body);
    expect(body).toContain(
      [
        "# HELP cloudflare_exporter_config_errors Runtime config overrides rejected (ignored, the environment value or default in force), by key",
        "# TYPE cloudflare_exporter_config_errors gauge",
        'cloudflare_exporter_config_errors{key="excludeHost"} 1',
        'cloudflare_exporter_config_errors{key="scrapeDelaySeconds"} 1',
      ].join("\n"),
    );
    expect(body).not.toContain('key="logLevel"');
  });

  it("has no config_errors series when every override is valid", async () => {
    const body = String((await appWith({}, { logLevel: "debug" })(get("/metrics"))).body);
    expect(body).not.toContain("cloudflare_exporter_config_errors");
  });

  it("GET /config: each key's value and source, rejections, and no credentials", async () => {
    const app = appWith(
      { CLOUDFLARE_API_BASE_URL: "https://user:hunter2@proxy.example.com/client/v4", EXCLUDE_HOST: "true" },
      { scrapeDelaySeconds: "600", queryLimit: "none" },
    );
    const response = await app(get("/config"));
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json");
    const view = JSON.parse(String(response.body));
    expect(view.settings.scrapeDelaySeconds).toEqual({
      value: 600,
      source: "ssm",
      env: "SCRAPE_DELAY_SECONDS",
      overridable: true,
    });
    expect(view.settings.excludeHost).toMatchObject({ value: true, source: "env" });
    expect(view.settings.queryLimit).toMatchObject({ value: 10000, source: "default" });
    expect(view.settings.cloudflareApiBaseUrl.value).toBe(
      "https://%5Bredacted%5D:%5Bredacted%5D@proxy.example.com/client/v4",
    );
    expect(String(response.body)).not.toContain("hunter2");
    expect(view.rejected).toEqual([
      {
        key: "queryLimit",
        value: "none",
        source: "ssm",
        rule: "must be a whole number",
        message: "queryLimit: must be a whole number",
      },
    ]);
  });

  it("DISABLE_CONFIG_API hides /config", async () => {
    const app = appWith({ DISABLE_CONFIG_API: "true" }, {});
    expect((await app(get("/config"))).status).toBe(404);
  });
});
