import { describe, expect, it } from "vitest";
import { parseValue, resolveConfig } from "../../lambda/config/resolve.ts";

/** The metrics path may never shadow another route, nor be a path two spellings reach. */
describe("metricsPath", () => {
  it.each(["/", "/health", "/config", "//x", "/a/../m", "/./metrics", "/metrics/", "/a//b", "/.."])(
    "refuses %s",
    (path) => {
      expect(parseValue("metricsPath", path).ok).toBe(false);
      const resolved = resolveConfig({
        env: {},
        overrides: { source: "ssm", values: { metricsPath: path } },
      });
      expect(resolved.config.metricsPath).toBe("/metrics");
      expect(resolved.issues.map((issue) => issue.key)).toEqual(["metricsPath"]);
      expect(resolveConfig({ env: { METRICS_PATH: path } }).envIssues.map((issue) => issue.key)).toEqual([
        "metricsPath",
      ]);
    },
  );

  it.each(["/metrics", "/prometheus/metrics", "/.well-known/metrics", "/m_1.txt", "/a-b/~c"])(
    "accepts %s",
    (path) => {
      expect(parseValue("metricsPath", path)).toEqual({ ok: true, value: path });
    },
  );
});
