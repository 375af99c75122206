import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { ExporterStack } from "../lib/exporter-stack.ts";

/** Every option that costs a month whatever the zones, off; `metricsAuth=iam` drops the scrape-credentials secret. */
export const minimalContext = {
  dashboard: false,
  alarms: false,
  runMetrics: false,
  metricsAuth: "iam",
} as const;

interface FunctionResource {
  Properties: { MemorySize?: number; Environment?: { Variables?: Record<string, unknown> } };
}

/**
 * What the stack's template holds, synthesized with `context`: memory per function, and
 * the resources billed monthly. The run metrics are series, not resources: four stack-wide
 * (six with a push) and the data age per account, when the fetcher is given a namespace
 * to publish them in (lambda/collect/run-metrics.ts).
 */
export function stackFacts(context: Record<string, unknown> = {}, accounts = 1) {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [], ...context } });
  const template = Template.fromStack(new ExporterStack(app, "Bench"));
  const functions = Object.entries(template.findResources("AWS::Lambda::Function")) as [
    string,
    FunctionResource,
  ][];
  const fn = (part: string) => functions.find(([id]) => id.includes(part))?.[1].Properties;
  const memory = (part: string) => fn(part)?.MemorySize ?? 128;
  const fetcherEnvironment = fn("FetchAccount")?.Environment?.Variables ?? {};
  const stackWideRunMetrics = "REMOTE_WRITE_URL" in fetcherEnvironment ? 6 : 4;
  const count = (type: string) => Object.keys(template.findResources(type)).length;
  return {
    memory: { discover: memory("Discover"), fetchAccount: memory("FetchAccount"), serve: memory("Serve") },
    billed: {
      secrets: count("AWS::SecretsManager::Secret"),
      alarms: count("AWS::CloudWatch::Alarm"),
      dashboards: count("AWS::CloudWatch::Dashboard"),
      kmsKeys: count("AWS::KMS::Key"),
      customMetrics: "METRICS_NAMESPACE" in fetcherEnvironment ? stackWideRunMetrics + accounts : 0,
    },
  };
}
