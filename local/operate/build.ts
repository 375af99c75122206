import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { dashboards } from "./dashboards/index.ts";
import { dashboardJson } from "./grafana.ts";

/** dashboards/<file>.json of every dashboard, as `npm run docs` writes them. */
export function dashboardFiles(): Map<string, string> {
  return new Map(
    dashboards.map((spec) => [`${spec.file}.json`, `${JSON.stringify(dashboardJson(spec), null, 2)}\n`]),
  );
}

const ruleSchema = z.union([
  z.object({
    alert: z.string(),
    expr: z.string(),
    for: z.string().optional(),
    labels: z.object({ severity: z.enum(["critical", "warning", "info"]) }).loose(),
    annotations: z.object({ summary: z.string(), description: z.string(), runbook: z.string() }).loose(),
  }),
  z.object({ record: z.string(), expr: z.string(), labels: z.record(z.string(), z.string()).optional() }),
]);
export const rulesFileSchema = z.object({
  groups: z.array(
    z.object({ name: z.string(), interval: z.string().optional(), rules: z.array(ruleSchema) }),
  ),
});
export type RulesFile = z.output<typeof rulesFileSchema>;

/** The rules file every deployment loads (Prometheus, AMP). */
export const rulesPath = new URL("../../rules/cloudflare-exporter.rules.yml", import.meta.url);

export function readRules(): RulesFile {
  return rulesFileSchema.parse(parse(readFileSync(rulesPath, "utf8")));
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string | undefined;
  severity: string;
  summary: string;
  runbook: string;
}

export function alertRules(rules = readRules()): AlertRule[] {
  return rules.groups.flatMap((group) =>
    group.rules.flatMap((rule) =>
      "alert" in rule
        ? [
            {
              alert: rule.alert,
              expr: rule.expr,
              for: rule.for,
              severity: rule.labels.severity,
              summary: rule.annotations.summary,
              runbook: rule.annotations.runbook,
            },
          ]
        : [],
    ),
  );
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();

/** docs/operate.md's runbook: one row per alert, from rules/. */
export function alertTable(): string {
  return [
    "| Alert | Severity | For | Means | What to do |",
    "|---|---|---|---|---|",
    ...alertRules().map(
      (rule) =>
        `| \`${rule.alert}\` | ${rule.severity} | ${rule.for ?? "at once"} | ${cell(rule.summary)} | ${cell(rule.runbook)} |`,
    ),
  ].join("\n");
}
