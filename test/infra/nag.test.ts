import { Validations } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { synth } from "./synth.ts";

/**
 * cdk-nag's AWS Solutions pack over the synthesized stack. cdk-nag 3 is a policy
 * validation plugin (bin/app.ts registers it, so `cdk synth` fails on a finding); here it
 * runs directly on the construct tree. Every finding is either fixed or acknowledged with
 * a reason on the construct that causes it, and the acknowledgements are listed below so
 * a new one cannot slip in unnoticed.
 */
function acknowledgements(root: IConstruct): Map<string, string> {
  const out = new Map<string, string>();
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.set(`${construct.node.path} ${id.replace(/^annotation::/i, "")}`, reason);
      }
    }
  }
  return out;
}

const variants: Record<string, Record<string, unknown>> = {
  defaults: {},
  "pinned to an account and region": { env: { account: "123456789012", region: "eu-west-1" } },
  "IAM auth, tracing, existing secret, provisioned table, alarm email, AMP rules": {
    metricsAuth: "iam",
    tracing: "true",
    cloudflareTokenSecret: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cloudflare/token-AbCdEf",
    tableBillingMode: "provisioned",
    alarmEmail: "ops@example.com",
    serveReservedConcurrency: 2,
    ampWorkspaceArn: "arn:aws:aps:eu-west-1:123456789012:workspace/ws-0123abcd-4567-89ef-0123-456789abcdef",
  },
  "auth disabled, secret by name, five-minute schedule, own parameter prefix": {
    metricsAuth: "disabled",
    parameterPrefix: "team/cloudflare",
    cloudflareTokenSecret: "cloudflare/token",
    schedule: "rate(5 minutes)",
    retainTable: false,
  },
  "pushing to another receiver with credentials in Secrets Manager": {
    remoteWriteCredentialsSecret: "remote-write/credentials",
    exporterEnvironment: {
      REMOTE_WRITE_URL: "https://mimir.example.com/api/v1/push",
      REMOTE_WRITE_AUTH: "basic",
    },
  },
  "no dashboard, no alarms, no run metrics, IAM auth": {
    dashboard: "false",
    alarms: "false",
    runMetrics: "false",
    metricsAuth: "iam",
  },
  "no run metrics, pushing to an Amazon Managed Prometheus workspace": {
    runMetrics: false,
    ampWorkspaceArn: "arn:aws:aps:eu-west-1:123456789012:workspace/ws-0123abcd-4567-89ef-0123-456789abcdef",
  },
  "pushing to an Amazon Managed Prometheus workspace": {
    ampWorkspaceArn: "arn:aws:aps:eu-west-1:123456789012:workspace/ws-0123abcd-4567-89ef-0123-456789abcdef",
  },
};

describe("cdk-nag AwsSolutions", () => {
  for (const [name, context] of Object.entries(variants)) {
    it(`finds nothing unexplained (${name})`, () => {
      const { env, ...rest } = context as { env?: { account: string; region: string } };
      const { app } = synth(rest, env);
      const report = new AwsSolutionsChecks().validateScope(app);
      const findings = report.violations.map(
        (v) =>
          `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
      );
      // Errors and warnings alike.
      expect(findings).toEqual([]);
      expect(report.success).toBe(true);
    });
  }

  it("acknowledges exactly these findings, each with a specific reason", () => {
    const { app } = synth();
    const acknowledged = acknowledgements(app);
    expect([...acknowledged.keys()].sort()).toEqual([
      "Test/Collection/Discover/Role AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/cloudflare-exporter/config/*]",
      "Test/Collection/FetchAccount/Role AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/cloudflare-exporter/config/*]",
      "Test/Collection/ScheduleDeadLetters AwsSolutions-SQS3",
      "Test/Collection/StateMachine AwsSolutions-SF1",
      "Test/Collection/StateMachine AwsSolutions-SF2",
      "Test/Collection/StateMachine/Role AwsSolutions-IAM5[Resource::*]",
      "Test/Collection/StateMachine/Role AwsSolutions-IAM5[Resource::<CollectionDiscoverFunction70F416B0.Arn>:*]",
      "Test/Collection/StateMachine/Role AwsSolutions-IAM5[Resource::<CollectionFetchAccountFunction8C5FF829.Arn>:*]",
      "Test/Configuration/CloudflareApiToken AwsSolutions-SMG4",
      "Test/Configuration/ScrapeCredentials AwsSolutions-SMG4",
      "Test/Serving/Serve/Role AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/cloudflare-exporter/config/*]",
    ]);
    for (const reason of acknowledged.values()) expect(reason.length).toBeGreaterThan(60);
  });

  it("reports a finding that is not acknowledged (the check is live)", () => {
    const { app, stack } = synth();
    // A second, unexplained wildcard on a role that only explains the config path.
    stack.collection.discover.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["s3:GetObject"], resources: ["*"] }),
    );
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual(["AwsSolutions-IAM5[Resource::*]"]);
  });
});
