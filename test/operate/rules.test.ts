import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { readmeSection } from "../../local/docs.ts";
import { alertRules, alertTable, readRules } from "../../local/operate/build.ts";
import { promqlRefs } from "../../local/operate/promql-refs.ts";
import { refProblems } from "./check-refs.ts";

const unitTests = z
  .object({
    rule_files: z.array(z.string()),
    tests: z.array(
      z.object({
        name: z.string(),
        alert_rule_test: z
          .array(z.object({ alertname: z.string(), exp_alerts: z.array(z.unknown()) }))
          .default([]),
      }),
    ),
  })
  .parse(
    parse(readFileSync(new URL("../../rules/tests/cloudflare-exporter.test.yml", import.meta.url), "utf8")),
  );

describe("alert and recording rules (rules/)", () => {
  const rules = readRules();
  const alerts = alertRules(rules);

  it("follow the monitoring-mixins conventions", () => {
    // readRules already required a severity, a summary, a description and a runbook line.
    expect(alerts.map((a) => a.alert).filter((name) => !/^Cloudflare[A-Z][A-Za-z0-9]+$/.test(name))).toEqual(
      [],
    );
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
    expect(alerts.length).toBe(11);
  });

  it("name only families the exporter serves, and labels those families have", () => {
    const recorded = new Map<string, readonly string[]>();
    const problems: string[] = [];
    for (const group of rules.groups)
      for (const rule of group.rules) {
        problems.push(
          ...refProblems(rule.expr, recorded).map(
            (p) => `${"alert" in rule ? rule.alert : rule.record}: ${p}`,
          ),
        );
        if ("record" in rule) recorded.set(rule.record, promqlRefs(rule.expr).groupingLabels);
      }
    expect(problems).toEqual([]);
    expect(recorded.size).toBe(7);
  });

  it("have a promtool unit test per alert, firing and not firing", () => {
    const cases = unitTests.tests.flatMap((t) => t.alert_rule_test);
    const missing = alerts.flatMap(({ alert }) => {
      const mine = cases.filter((c) => c.alertname === alert);
      return [
        ...(mine.some((c) => c.exp_alerts.length > 0) ? [] : [`${alert} never fires in a test`]),
        ...(mine.some((c) => c.exp_alerts.length === 0) ? [] : [`${alert} is never tested not firing`]),
      ];
    });
    expect(missing).toEqual([]);
    expect(cases.every((c) => alerts.some((a) => a.alert === c.alertname))).toBe(true);
  });

  it("are described in docs/operate.md (regenerate with npm run docs)", () => {
    const page = readFileSync(new URL("../../docs/operate.md", import.meta.url), "utf8");
    expect(readmeSection(page, "alerts")).toBe(alertTable());
  });
});
