import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConfigProvider, fileOverrides } from "../../lambda/config/provider.ts";
import { resolveConfig } from "../../lambda/config/resolve.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { configErrorsFamily } from "../../lambda/serve/families.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "override-hardening-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function resolveFile(name: string, content: string, env: Record<string, string> = {}) {
  const file = join(dir, name);
  await writeFile(file, content);
  const logger = memoryLogger();
  const provider = createConfigProvider({ env, overrides: fileOverrides(file), logger });
  const resolved = await provider.current();
  return { resolved, logger, provider };
}

describe("no override value of a credential-like or unknown key reaches a log line", () => {
  it("logs the key and the rule, never the value; known keys' values truncated", async () => {
    const secret = "v1.0-0123456789abcdef0123456789abcdef-secretpart";
    const { logger, resolved } = await resolveFile(
      "secret.json",
      JSON.stringify({
        CLOUDFLARE_API_TOKEN: secret,
        scrapeBearerToken: secret,
        scrapeDelaySeconds: `${"9".repeat(500)}x`,
      }),
    );
    expect(resolved.issues.map((issue) => issue.key)).toEqual([
      "CLOUDFLARE_API_TOKEN",
      "scrapeBearerToken",
      "scrapeDelaySeconds",
    ]);
    const lines = logger.lines.map((line) => JSON.stringify(line));
    expect(lines.filter((line) => line.includes("secretpart"))).toEqual([]);
    expect(logger.lines).toEqual([
      {
        level: "warn",
        message: "config override ignored: CLOUDFLARE_API_TOKEN (file): no such setting",
        key: "CLOUDFLARE_API_TOKEN",
        source: "file",
        rule: "no such setting",
      },
      {
        level: "warn",
        message: "config override ignored: scrapeBearerToken (file): no such setting",
        key: "scrapeBearerToken",
        source: "file",
        rule: "no such setting",
      },
      {
        level: "warn",
        message: `config override ignored: scrapeDelaySeconds="${"9".repeat(64)}…" (file): must be a whole number`,
        key: "scrapeDelaySeconds",
        value: `${"9".repeat(64)}…`,
        source: "file",
        rule: "must be a whole number",
      },
    ]);
  });
});

describe("overrides cannot amplify", () => {
  const overridesKey = "(overrides)";

  it("100,000 unknown keys: refused as one error, logged once, one series, none applied", async () => {
    const values: Record<string, string> = { excludeHost: "true" };
    for (let i = 0; i < 100_000; i++) values[`junk${i}`] = "x";
    const { resolved, logger, provider } = await resolveFile("many.json", JSON.stringify(values));
    expect(resolved.issues).toEqual([
      {
        key: overridesKey,
        value: "100001 keys",
        source: "file",
        rule: "more than 100 keys, or a key longer than 256 characters: none applied",
      },
    ]);
    expect(resolved.config.excludeHost).toBe(false);
    await provider.current();
    expect(logger.lines).toHaveLength(1);
    expect(configErrorsFamily(resolved.issues).samples).toEqual([
      { labels: [["key", overridesKey]], value: 1 },
    ]);
  });

  it("the same bound holds for SSM", () => {
    const values: Record<string, string> = {};
    for (let i = 0; i < 101; i++) values[`p${i}`] = "1";
    const resolved = resolveConfig({ env: {}, overrides: { source: "ssm", values } });
    expect(resolved.issues.map((issue) => [issue.key, issue.value])).toEqual([[overridesKey, "101 keys"]]);
    const atTheLimit = resolveConfig({
      env: {},
      overrides: { source: "ssm", values: Object.fromEntries(Object.entries(values).slice(1)) },
    });
    expect(atTheLimit.issues).toHaveLength(100);
  });

  it("a key longer than 256 characters refuses the set the same way", () => {
    const resolved = resolveConfig({
      env: {},
      overrides: { source: "ssm", values: { ["k".repeat(257)]: "1", excludeHost: "true" } },
    });
    expect(resolved.issues.map((issue) => issue.key)).toEqual([overridesKey]);
    expect(resolved.config.excludeHost).toBe(false);
  });

  it("a 10 MB value is refused as one short error", async () => {
    const { resolved, logger } = await resolveFile(
      "huge.json",
      JSON.stringify({ metricsDenylist: "a".repeat(10_000_000), excludeHost: "true" }),
    );
    expect(resolved.issues).toEqual([
      {
        key: "metricsDenylist",
        value: `${"a".repeat(64)}…`,
        source: "file",
        rule: "longer than 4096 characters",
      },
    ]);
    expect(resolved.config.metricsDenylist).toEqual([]);
    expect(resolved.config.excludeHost).toBe(true);
    expect(logger.lines).toHaveLength(1);
    expect(JSON.stringify(logger.lines).length).toBe(
      JSON.stringify([
        {
          level: "warn",
          message: `config override ignored: metricsDenylist="${"a".repeat(64)}…" (file): longer than 4096 characters`,
          key: "metricsDenylist",
          value: `${"a".repeat(64)}…`,
          source: "file",
          rule: "longer than 4096 characters",
        },
      ]).length,
    );
  });

  it("__proto__ is reported like any unknown key", async () => {
    const { resolved } = await resolveFile("proto.json", '{"__proto__":"x","excludeHost":"true"}');
    expect(resolved.issues).toEqual([
      { key: "__proto__", value: "x", source: "file", rule: "no such setting" },
    ]);
    expect(resolved.config.excludeHost).toBe(true);
  });
});

describe("a rejected override resolves the same in every container", () => {
  it("falls back to the environment, in a container that saw the valid value and in a fresh one", async () => {
    const env = { SCRAPE_DELAY_SECONDS: "480" };
    const { provider: old, resolved: before } = await resolveFile(
      "same.json",
      JSON.stringify({ scrapeDelaySeconds: "600" }),
      env,
    );
    expect(before.config.scrapeDelaySeconds).toBe(600);
    const { resolved: fresh } = await resolveFile(
      "same.json",
      JSON.stringify({ scrapeDelaySeconds: "abc" }),
      env,
    );
    const after = await old.current();
    expect(after.config.scrapeDelaySeconds).toBe(480);
    expect(after.sources.scrapeDelaySeconds).toBe("env");
    expect(fresh.config).toEqual(after.config);
    expect(fresh.sources).toEqual(after.sources);
    expect(fresh.issues).toEqual(after.issues);
  });

  it("a cross-field rule broken by overrides rejects all of them, in an old container and a fresh one", async () => {
    const { provider: old } = await resolveFile(
      "cross.json",
      JSON.stringify({ scrapeDelaySeconds: "600", timeWindowSeconds: "60" }),
    );
    const broken = JSON.stringify({ scrapeDelaySeconds: "600", timeWindowSeconds: "900" });
    const { resolved: fresh } = await resolveFile("cross.json", broken);
    const after = await old.current();
    expect([after.config.scrapeDelaySeconds, after.config.timeWindowSeconds]).toEqual([300, 60]);
    expect(fresh.config).toEqual(after.config);
    expect(fresh.issues).toEqual(after.issues);
  });
});
