import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../lambda/config/config.ts";
import { configKeys, keyNames } from "../../lambda/config/keys.ts";
import { describeIssue, parseValue, resolveConfig } from "../../lambda/config/resolve.ts";

const ssm = (values: Record<string, string>) => ({ source: "ssm" as const, values });

describe("resolution order: SSM override, then environment, then default", () => {
  // One key of each kind: integer, boolean, ID list, enum, comma list.
  const cases = [
    { key: "scrapeDelaySeconds", env: "480", override: "720", fallback: 300, fromEnv: 480, fromSsm: 720 },
    { key: "excludeHost", env: "true", override: "false", fallback: false, fromEnv: true, fromSsm: false },
    {
      key: "cfZones",
      env: "0123456789abcdef0123456789abcdef",
      override: "fedcba9876543210fedcba9876543210, 00000000000000000000000000000001",
      fallback: [],
      fromEnv: ["0123456789abcdef0123456789abcdef"],
      fromSsm: ["fedcba9876543210fedcba9876543210", "00000000000000000000000000000001"],
    },
    { key: "logLevel", env: "warn", override: "DEBUG", fallback: "info", fromEnv: "warn", fromSsm: "debug" },
    {
      key: "metricsDenylist",
      env: "cloudflare_zone_uniques",
      override: "cloudflare_zone_threats_total,cloudflare_zone_pageviews_total",
      fallback: [],
      fromEnv: ["cloudflare_zone_uniques"],
      fromSsm: ["cloudflare_zone_threats_total", "cloudflare_zone_pageviews_total"],
    },
  ] as const;

  for (const c of cases) {
    it(`${c.key}: default, then env, then ssm`, () => {
      const envName = configKeys[c.key].env;
      const none = resolveConfig({ env: {} });
      expect(none.config[c.key]).toEqual(c.fallback);
      expect(none.sources[c.key]).toBe("default");

      const withEnv = resolveConfig({ env: { [envName]: c.env } });
      expect(withEnv.config[c.key]).toEqual(c.fromEnv);
      expect(withEnv.sources[c.key]).toBe("env");

      const withBoth = resolveConfig({ env: { [envName]: c.env }, overrides: ssm({ [c.key]: c.override }) });
      expect(withBoth.config[c.key]).toEqual(c.fromSsm);
      expect(withBoth.sources[c.key]).toBe("ssm");
      expect(withBoth.issues).toEqual([]);
    });
  }

  it("accepts a parameter named by the environment variable as well as by the key", () => {
    const resolved = resolveConfig({ env: {}, overrides: ssm({ SCRAPE_DELAY_SECONDS: "120" }) });
    expect(resolved.config.scrapeDelaySeconds).toBe(120);
  });

  it("has a valid default for every key", () => {
    for (const key of keyNames) expect(parseValue(key, configKeys[key].fallback).ok, key).toBe(true);
  });
});

describe("booleans are spelled out", () => {
  for (const value of ["false", "0", "no", "off", "FALSE", " No "])
    it(`${JSON.stringify(value)} is false`, () => {
      expect(loadConfig({ EXCLUDE_HOST: value }).excludeHost).toBe(false);
      expect(resolveConfig({ env: {}, overrides: ssm({ excludeHost: value }) }).config.excludeHost).toBe(
        false,
      );
    });
  for (const value of ["true", "1", "yes", "on", "True"])
    it(`${JSON.stringify(value)} is true`, () => {
      expect(loadConfig({ EXCLUDE_HOST: value }).excludeHost).toBe(true);
    });
  for (const value of ["maybe", "2", "t", "falsey"])
    it(`${JSON.stringify(value)} is refused`, () => {
      expect(() => loadConfig({ EXCLUDE_HOST: value })).toThrow(
        new ConfigError(
          `invalid configuration: EXCLUDE_HOST=${JSON.stringify(value)} (env): must be one of true, 1, yes, on, false, 0, no, off`,
        ),
      );
    });
});

describe("numbers are whole and in range", () => {
  it.each([
    ["SCRAPE_DELAY_SECONDS", "abc", "must be a whole number"],
    ["SCRAPE_DELAY_SECONDS", "1.5", "must be a whole number"],
    ["SCRAPE_DELAY_SECONDS", "30", "must be at least 60 seconds"],
    ["SCRAPE_DELAY_SECONDS", "90", "must be a whole number of minutes"],
    ["QUERY_LIMIT", "0", "must be at least 1"],
    ["QUERY_LIMIT", "10001", "must be at most 10000"],
    ["GRAPHQL_REQUESTS_PER_5_MINUTES", "0", "must be at least 1"],
    ["GRAPHQL_REQUESTS_PER_5_MINUTES", "4501", "must be at most 4500"],
    ["CF_ACCOUNTS", "abc", "each entry must be a 32-character hex Cloudflare ID"],
    ["LOG_FORMAT", "xml", "must be one of json, pretty"],
    ["QUERY_GROUPS", "http-requests-1m,nope", "each entry must be one of http-requests-1m"],
  ])("%s=%s: %s", (name, value, rule) => {
    expect(() => loadConfig({ [name]: value })).toThrow(`${name}=${JSON.stringify(value)} (env): ${rule}`);
  });
});

describe("an invalid override never breaks the exporter", () => {
  it("is ignored, reported with key, value and rule, and the environment's value stays", () => {
    const resolved = resolveConfig({
      env: { SCRAPE_DELAY_SECONDS: "600" },
      overrides: ssm({ scrapeDelaySeconds: "ninety", excludeHost: "true" }),
    });
    expect(resolved.config.scrapeDelaySeconds).toBe(600);
    expect(resolved.sources.scrapeDelaySeconds).toBe("env");
    expect(resolved.config.excludeHost).toBe(true); // the valid override beside it applies
    expect(resolved.issues).toEqual([
      { key: "scrapeDelaySeconds", value: "ninety", source: "ssm", rule: "must be a whole number" },
    ]);
    expect(resolved.envIssues).toEqual([]);
    expect(describeIssue(resolved.issues[0] ?? { key: "", value: "", source: "ssm", rule: "" })).toBe(
      'scrapeDelaySeconds="ninety" (ssm): must be a whole number',
    );
  });

  it("puts the environment's value (here the default) in force when a valid override is replaced by an invalid one", () => {
    const first = resolveConfig({ env: {}, overrides: ssm({ scrapeDelaySeconds: "720" }) });
    expect(first.config.scrapeDelaySeconds).toBe(720);
    // No memory of the 720: a fresh process resolves the same inputs to the same settings.
    const second = resolveConfig({ env: {}, overrides: ssm({ scrapeDelaySeconds: "-5" }) });
    expect(second.config.scrapeDelaySeconds).toBe(300);
    expect(second.sources.scrapeDelaySeconds).toBe("default");
    expect(second.issues).toEqual([
      { key: "scrapeDelaySeconds", value: "-5", source: "ssm", rule: "must be at least 60 seconds" },
    ]);
    // Fixed: the new value applies and the issue is gone.
    const third = resolveConfig({
      env: {},
      overrides: ssm({ scrapeDelaySeconds: "600" }),
    });
    expect(third.config.scrapeDelaySeconds).toBe(600);
    expect(third.issues).toEqual([]);
    // Removed: the environment/default applies again.
    const fourth = resolveConfig({ env: {}, overrides: ssm({}) });
    expect(fourth.config.scrapeDelaySeconds).toBe(300);
    expect(fourth.sources.scrapeDelaySeconds).toBe("default");
  });

  it("reports names that are no setting, and settings only a deployment may change", () => {
    const resolved = resolveConfig({
      env: {},
      overrides: ssm({
        scrapeDelay: "600",
        metricsAuth: "disabled",
        cloudflareApiBaseUrl: "http://evil.test",
      }),
    });
    expect(resolved.config.metricsAuth).toBe("required");
    expect(resolved.config.cloudflareApiBaseUrl).toBe("https://api.cloudflare.com/client/v4");
    expect(resolved.issues).toEqual([
      { key: "scrapeDelay", value: "600", source: "ssm", rule: "no such setting" },
      {
        key: "metricsAuth",
        value: "disabled",
        source: "ssm",
        rule: "only the environment (METRICS_AUTH) sets it",
      },
      {
        key: "cloudflareApiBaseUrl",
        value: "http://evil.test",
        source: "ssm",
        rule: "only the environment (CLOUDFLARE_API_BASE_URL) sets it",
      },
    ]);
  });
});

describe("rules between settings", () => {
  it("rejects an override whose combination with the rest breaks a rule, keeping the valid value", () => {
    const resolved = resolveConfig({
      env: { SCRAPE_DELAY_SECONDS: "300" },
      overrides: ssm({ timeWindowSeconds: "600" }),
    });
    expect(resolved.config.timeWindowSeconds).toBe(60);
    expect(resolved.issues).toEqual([
      {
        key: "timeWindowSeconds",
        value: "600",
        source: "ssm",
        rule: "SCRAPE_DELAY_SECONDS must not be shorter than TIME_WINDOW_SECONDS",
      },
    ]);
  });

  it("accepts the same window once the delay allows it", () => {
    const resolved = resolveConfig({
      env: {},
      overrides: ssm({ timeWindowSeconds: "600", scrapeDelaySeconds: "600", healthMaxAgeSeconds: "1900" }),
    });
    expect(resolved.issues).toEqual([]);
    expect([resolved.config.timeWindowSeconds, resolved.config.scrapeDelaySeconds]).toEqual([600, 600]);
  });

  it("rejects every override a broken rule involves, whatever was in force before", () => {
    // The delay below the window: both overrides go, the health limit (no rule broken) stays.
    const resolved = resolveConfig({
      env: {},
      overrides: ssm({ scrapeDelaySeconds: "120", timeWindowSeconds: "600", healthMaxAgeSeconds: "1900" }),
    });
    expect(resolved.config.scrapeDelaySeconds).toBe(300);
    expect(resolved.config.timeWindowSeconds).toBe(60);
    expect(resolved.sources.timeWindowSeconds).toBe("default");
    expect(resolved.config.healthMaxAgeSeconds).toBe(1900);
    expect(resolved.issues.map((i) => i.key)).toEqual(["scrapeDelaySeconds", "timeWindowSeconds"]);
  });

  it("falls back to the environment's values when an override breaks a rule on its own", () => {
    // The window grows past the delay and the health limit at once.
    const second = resolveConfig({ env: {}, overrides: ssm({ timeWindowSeconds: "900" }) });
    expect(second.config.timeWindowSeconds).toBe(60);
    expect(second.issues.map((i) => [i.key, i.value])).toEqual([["timeWindowSeconds", "900"]]);
  });

  describe("a GraphQL budget above Cloudflare's 300 per token", () => {
    const rule =
      "GRAPHQL_REQUESTS_PER_5_MINUTES above 300 needs GRAPHQL_ACCOUNT_BASED_RATE_LIMITING: Cloudflare allows 300 per token, and up to 4,500 per account (Enterprise) only with account-based rate limiting";

    it("is allowed up to 4,500 (Enterprise's 15 a second per account) with account-based rate limiting", () => {
      const config = loadConfig({
        GRAPHQL_REQUESTS_PER_5_MINUTES: "4500",
        GRAPHQL_ACCOUNT_BASED_RATE_LIMITING: "true",
      });
      expect([config.graphqlRequestsPer5Minutes, config.accountBasedRateLimiting]).toEqual([4500, true]);
      expect(loadConfig({ GRAPHQL_REQUESTS_PER_5_MINUTES: "300" }).graphqlRequestsPer5Minutes).toBe(300);
    });

    it("is a deployment error without it, naming the rule", () => {
      expect(() => loadConfig({ GRAPHQL_REQUESTS_PER_5_MINUTES: "301" })).toThrow(
        // A shown value is cut at 64 characters; the rule names both settings.
        `invalid configuration: GRAPHQL_REQUESTS_PER_5_MINUTES="GRAPHQL_REQUESTS_PER_5_MINUTES=301, GRAPHQL_ACCOUNT_BASED_RATE_L…" (env): ${rule}`,
      );
      expect(() =>
        loadConfig({ GRAPHQL_REQUESTS_PER_5_MINUTES: "4500", GRAPHQL_ACCOUNT_BASED_RATE_LIMITING: "off" }),
      ).toThrow(`(env): ${rule}`);
    });

    it("rejects the override that raises it, or that turns account-based rate limiting off under it", () => {
      const raised = resolveConfig({ env: {}, overrides: ssm({ graphqlRequestsPer5Minutes: "1000" }) });
      expect(raised.config.graphqlRequestsPer5Minutes).toBe(250);
      expect(raised.issues).toEqual([
        { key: "graphqlRequestsPer5Minutes", value: "1000", source: "ssm", rule },
      ]);
      const turnedOff = resolveConfig({
        env: { GRAPHQL_REQUESTS_PER_5_MINUTES: "1000", GRAPHQL_ACCOUNT_BASED_RATE_LIMITING: "true" },
        overrides: ssm({ accountBasedRateLimiting: "false" }),
      });
      expect([
        turnedOff.config.graphqlRequestsPer5Minutes,
        turnedOff.config.accountBasedRateLimiting,
      ]).toEqual([1000, true]);
      expect(turnedOff.issues).toEqual([
        { key: "accountBasedRateLimiting", value: "false", source: "ssm", rule },
      ]);
      const both = resolveConfig({
        env: {},
        overrides: ssm({ graphqlRequestsPer5Minutes: "1000", accountBasedRateLimiting: "true" }),
      });
      expect(both.issues).toEqual([]);
      expect(both.config.graphqlRequestsPer5Minutes).toBe(1000);
    });
  });

  it("is a deployment error when the environment alone breaks a rule", () => {
    expect(() => loadConfig({ SCRAPE_DELAY_SECONDS: "120", TIME_WINDOW_SECONDS: "300" })).toThrow(
      "SCRAPE_DELAY_SECONDS must not be shorter than TIME_WINDOW_SECONDS",
    );
    expect(() => loadConfig({ HEALTH_MAX_AGE_SECONDS: "400" })).toThrow(
      "HEALTH_MAX_AGE_SECONDS must exceed SCRAPE_DELAY_SECONDS + TIME_WINDOW_SECONDS + METRIC_REFRESH_INTERVAL_SECONDS",
    );
  });
});
