import type { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { environmentHours, fixedMonthlyUsd, halfWarm, warmShares } from "../../bench/cost.ts";
import { minimalContext, stackFacts } from "../../bench/stack-facts.ts";
import { coldEvery } from "../../lambda/serve/scrape-cache.ts";
import { synth } from "./synth.ts";

/**
 * The options that leave the parts billed by the month out: `dashboard`, `alarms` and
 * `runMetrics`, each on by default. The stack's defaults are tested in stack.test.ts.
 */
const billedTypes = [
  "AWS::CloudWatch::Dashboard",
  "AWS::CloudWatch::Alarm",
  "AWS::SNS::Topic",
  "AWS::SNS::TopicPolicy",
  "AWS::KMS::Key",
] as const;

function counts(template: Template): Record<string, number> {
  return Object.fromEntries(
    billedTypes.map((type) => [type, Object.keys(template.findResources(type)).length]),
  );
}

const outputNames = (template: Template) => Object.keys(template.toJSON().Outputs as object).sort();

const alarmMetricNames = (template: Template) =>
  Object.values(template.findResources("AWS::CloudWatch::Alarm"))
    .map(
      (alarm) => (alarm as { Properties: { MetricName?: string } }).Properties.MetricName ?? "(expression)",
    )
    .sort();

/** The fetcher's environment variables (it alone publishes run metrics). */
function fetcherEnvironment(template: Template): Record<string, unknown> {
  const fetcher = Object.entries(template.findResources("AWS::Lambda::Function")).find(([id]) =>
    id.includes("FetchAccount"),
  );
  if (!fetcher) throw new Error("no FetchAccount function");
  return (fetcher[1] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties
    .Environment.Variables;
}

const dashboardBody = (template: Template) =>
  JSON.stringify(
    Object.values(template.findResources("AWS::CloudWatch::Dashboard")).map(
      (dashboard) => (dashboard as { Properties: { DashboardBody: unknown } }).Properties.DashboardBody,
    ),
  );

const defaultOutputs = [
  "AlarmTopicArn",
  "CloudflareTokenSecretArn",
  "ConfigParameterPath",
  "FillCloudflareTokenCommand",
  "MetricsUrl",
  "PrometheusScrapeConfig",
  "ReadBearerTokenCommand",
  "ScrapeCredentialsSecretArn",
  "StateMachineArn",
  "TableName",
];

const everyAlarmMetric = [
  "(expression)",
  "ApproximateNumberOfMessagesVisible",
  "DataAgeSeconds",
  "Errors",
  "ExecutionsFailed",
  "ExecutionsSucceeded",
  "ExecutionsTimedOut",
  "RateLimitEvents",
  "Url5xxCount",
];

describe("the options that leave the monthly-billed parts out", () => {
  it("keep the dashboard, nine alarms, their topic and its key by default", () => {
    const { template } = synth();
    expect(counts(template)).toEqual({
      "AWS::CloudWatch::Dashboard": 1,
      "AWS::CloudWatch::Alarm": 9,
      "AWS::SNS::Topic": 1,
      "AWS::SNS::TopicPolicy": 1,
      "AWS::KMS::Key": 1,
    });
    expect(alarmMetricNames(template)).toEqual(everyAlarmMetric);
    expect(outputNames(template)).toEqual(defaultOutputs);
    expect(fetcherEnvironment(template).METRICS_NAMESPACE).toBe("CloudflareExporter/Test");
    expect(dashboardBody(template)).toContain('\\"type\\":\\"alarm\\"');
  });

  it("leave the dashboard out with dashboard=false, and nothing else", () => {
    for (const value of [false, "false"]) {
      const { stack, template } = synth({ dashboard: value });
      expect(counts(template)).toEqual({
        "AWS::CloudWatch::Dashboard": 0,
        "AWS::CloudWatch::Alarm": 9,
        "AWS::SNS::Topic": 1,
        "AWS::SNS::TopicPolicy": 1,
        "AWS::KMS::Key": 1,
      });
      expect(stack.dashboard).toBeUndefined();
      expect(outputNames(template)).toEqual(defaultOutputs);
    }
  });

  it("leave the alarms, their topic, its key and the topic's output out with alarms=false", () => {
    for (const value of [false, "false"]) {
      const { stack, template } = synth({ alarms: value });
      expect(counts(template)).toEqual({
        "AWS::CloudWatch::Dashboard": 1,
        "AWS::CloudWatch::Alarm": 0,
        "AWS::SNS::Topic": 0,
        "AWS::SNS::TopicPolicy": 0,
        "AWS::KMS::Key": 0,
      });
      expect(outputNames(template)).toEqual(defaultOutputs.filter((name) => name !== "AlarmTopicArn"));
      expect(stack.alarmsIfAny).toBeUndefined();
      expect(() => stack.alarms).toThrow("this stack was synthesized with alarms=false: it has no alarms");
      // The dashboard shows the graphs without the alarms' states, the stale line still marked.
      const body = dashboardBody(template);
      expect(body).not.toContain('\\"type\\":\\"alarm\\"');
      expect(body).toContain('{\\"value\\":900,\\"label\\":\\"stale\\"');
      expect(body).toContain("The stack has no alarms (alarms=false)");
      // The fetcher still publishes its run metrics: the dashboard graphs them.
      expect(fetcherEnvironment(template).METRICS_NAMESPACE).toBe("CloudflareExporter/Test");
      expect(body).toContain("DataAgeSeconds");
    }
  });

  it("refuse an alarm e-mail without alarms, since there is no topic to subscribe it to", () => {
    expect(() => synth({ alarms: "false", alarmEmail: "ops@example.com" })).toThrow(
      "context alarmEmail: with alarms=false the stack has no alarm topic to subscribe it to; drop alarmEmail or set alarms=true",
    );
    expect(() => synth({ alarms: "no" })).toThrow(/invalid context: alarms: /);
    expect(() => synth({ dashboard: "off" })).toThrow(/invalid context: dashboard: /);
    expect(() => synth({ runMetrics: 0 })).toThrow(/invalid context: runMetrics: /);
  });

  it("stop the fetcher's CloudWatch metrics with runMetrics=false, with the alarms and graphs on them", () => {
    for (const value of [false, "false"]) {
      const { template } = synth({ runMetrics: value });
      expect(counts(template)).toEqual({
        "AWS::CloudWatch::Dashboard": 1,
        "AWS::CloudWatch::Alarm": 7,
        "AWS::SNS::Topic": 1,
        "AWS::SNS::TopicPolicy": 1,
        "AWS::KMS::Key": 1,
      });
      expect(alarmMetricNames(template)).toEqual(
        everyAlarmMetric.filter((name) => name !== "DataAgeSeconds" && name !== "RateLimitEvents"),
      );
      expect(fetcherEnvironment(template).METRICS_NAMESPACE).toBeUndefined();
      const body = dashboardBody(template);
      expect(body).not.toContain("CloudflareExporter/Test");
      expect(body).toContain('\\"type\\":\\"alarm\\"');
      expect(outputNames(template)).toEqual(defaultOutputs);
    }
    // With a push, its two alarms are on run metrics too.
    const amp = "arn:aws:aps:eu-west-1:123456789012:workspace/ws-0123abcd-4567-89ef-0123-456789abcdef";
    expect(counts(synth({ ampWorkspaceArn: amp }).template)["AWS::CloudWatch::Alarm"]).toBe(11);
    expect(
      counts(synth({ ampWorkspaceArn: amp, runMetrics: "false" }).template)["AWS::CloudWatch::Alarm"],
    ).toBe(7);
  });

  it("leave none of them with every option off", () => {
    const { template } = synth({ ...minimalContext });
    expect(counts(template)).toEqual({
      "AWS::CloudWatch::Dashboard": 0,
      "AWS::CloudWatch::Alarm": 0,
      "AWS::SNS::Topic": 0,
      "AWS::SNS::TopicPolicy": 0,
      "AWS::KMS::Key": 0,
    });
    template.resourceCountIs("AWS::SecretsManager::Secret", 1);
    expect(outputNames(template)).toEqual([
      "CloudflareTokenSecretArn",
      "ConfigParameterPath",
      "FillCloudflareTokenCommand",
      "MetricsUrl",
      "PrometheusScrapeConfig",
      "StateMachineArn",
      "TableName",
    ]);
    expect(fetcherEnvironment(template).METRICS_NAMESPACE).toBeUndefined();
  });
});

describe("the bench's fixed monthly cost (bench/stack-facts.ts, bench/cost.ts)", () => {
  const cents = (usd: number) => Math.round(usd * 100);

  it("counts the defaults' billed parts, the alarm topic's KMS key among them: $7.20", () => {
    const { billed } = stackFacts();
    expect(billed).toEqual({ secrets: 2, alarms: 9, dashboards: 1, kmsKeys: 1, customMetrics: 5 });
    const fixed = fixedMonthlyUsd(billed);
    expect(Object.fromEntries(Object.entries(fixed.parts).map(([k, v]) => [k, cents(v)]))).toEqual({
      secrets: 80,
      alarms: 90,
      dashboards: 300,
      kmsKeys: 100,
      customMetrics: 150,
    });
    expect(cents(fixed.total)).toBe(720);
  });

  it("counts one secret alone with every costly option off and metricsAuth=iam: $0.40", () => {
    const { billed } = stackFacts(minimalContext);
    expect(billed).toEqual({ secrets: 1, alarms: 0, dashboards: 0, kmsKeys: 0, customMetrics: 0 });
    expect(cents(fixedMonthlyUsd(billed).total)).toBe(40);
  });

  it("counts a series per account, and the push's two with one", () => {
    expect(stackFacts({}, 3).billed.customMetrics).toBe(7);
    const amp = "arn:aws:aps:eu-west-1:123456789012:workspace/ws-0123abcd-4567-89ef-0123-456789abcdef";
    expect(stackFacts({ ampWorkspaceArn: amp }).billed.customMetrics).toBe(7);
    expect(stackFacts({ runMetrics: false }, 3).billed.customMetrics).toBe(0);
  });
});

describe("the bench's warm shares (bench/cost.ts)", () => {
  it("prices one fetcher cold minute an environment-hour, and every 61st scrape read whole besides", () => {
    const shares = warmShares(coldEvery);
    expect(environmentHours).toBe(1);
    expect(shares.fetcher).toBeCloseTo(59 / 60, 12);
    expect(shares.scrape).toBeCloseTo((59 / 60) * (60 / 61), 12);
    expect(halfWarm).toEqual({ fetcher: 0.5, scrape: 0.5 });
  });
});
