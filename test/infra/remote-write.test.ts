import type { CfnElement } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import type { ExporterStack } from "../../lib/exporter-stack.ts";
import { parseSettings, SettingsError } from "../../lib/settings.ts";
import { synth } from "./synth.ts";

/**
 * The ampWorkspaceArn option: the fetcher (and only the fetcher) may aps:RemoteWrite to that
 * one workspace and is told where to push; the outputs say how to query it; the push's
 * alarms exist only when there is a push.
 */
const arn = "arn:aws:aps:eu-west-1:123456789012:workspace/ws-0123abcd-4567-89ef-0123-456789abcdef";
const base =
  "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef/api/v1";

const logicalId = (stack: ExporterStack, construct: IConstruct) =>
  stack.resolve(stack.getLogicalId(construct.node.defaultChild as CfnElement)) as string;

type Statement = { Action: string | string[]; Resource: unknown };
function statementsOf(
  stack: ExporterStack,
  resources: Record<string, { Type: string; Properties: Record<string, unknown> }>,
  role: IConstruct,
): Statement[] {
  return Object.values(resources)
    .filter(
      (r) =>
        r.Type === "AWS::IAM::Policy" &&
        JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: logicalId(stack, role) }]),
    )
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe("pushing to Amazon Managed Prometheus", () => {
  const { stack, template } = synth({ ampWorkspaceArn: arn });
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const aps = (role: IConstruct) =>
    statementsOf(stack, resources, role).filter((s) => [s.Action].flat().some((a) => a.startsWith("aps:")));

  it("grants aps:RemoteWrite on that workspace only, to the fetcher only", () => {
    expect(aps(stack.collection.fetchAccount.role)).toEqual([
      { Action: "aps:RemoteWrite", Effect: "Allow", Resource: arn },
    ]);
    expect(aps(stack.collection.discover.role)).toEqual([]);
    expect(aps(stack.serving.serve.role)).toEqual([]);
  });

  it("gives the fetcher, and only when it pushes to AMP, exactly one more action: aps:RemoteWrite (the pushed self-metrics are read with the Query it has anyway)", () => {
    const actions = (of: ExporterStack, ofResources: typeof resources) =>
      [
        ...new Set(
          statementsOf(of, ofResources, of.collection.fetchAccount.role).flatMap((s) => [s.Action].flat()),
        ),
      ].sort();
    const plain = synth();
    const without = actions(plain.stack, plain.template.toJSON().Resources as typeof resources);
    expect(actions(stack, resources)).toEqual([...without, "aps:RemoteWrite"].sort());
    expect(without.filter((a) => a.startsWith("aps:"))).toEqual([]);
    expect(without).toContain("dynamodb:Query");
    const other = synth({
      exporterEnvironment: { REMOTE_WRITE_URL: "https://example.com/write", REMOTE_WRITE_AUTH: "none" },
    });
    expect(actions(other.stack, other.template.toJSON().Resources as typeof resources)).toEqual(without);
  });

  it("tells the fetcher where to push and how to sign", () => {
    const variables = (fn: IConstruct): Record<string, unknown> => {
      const environment = resources[logicalId(stack, fn)]?.Properties.Environment as
        | { Variables: Record<string, unknown> }
        | undefined;
      return environment?.Variables ?? {};
    };
    expect(variables(stack.collection.fetchAccount.function)).toMatchObject({
      REMOTE_WRITE_URL: `${base}/remote_write`,
      REMOTE_WRITE_AUTH: "sigv4",
      REMOTE_WRITE_REGION: "eu-west-1",
    });
    expect(
      Object.keys(variables(stack.serving.serve.function)).filter((k) => k.startsWith("REMOTE_WRITE")),
    ).toEqual([]);
    expect(stack.settings.exporterConfig.remoteWriteUrl).toBe(`${base}/remote_write`);
  });

  it("shows the push URL and how to query the workspace", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.AmpRemoteWriteUrl?.Value).toBe(`${base}/remote_write`);
    expect(outputs.AmpQueryCommand?.Value).toBe(
      `awscurl --service aps --region eu-west-1 '${base}/query?query=sum+by+(zone)(increase(cloudflare_zone_requests_total[5m]))'`,
    );
  });

  it("alarms on push lag and failures, and only when there is a push", () => {
    const names = (s: ExporterStack) =>
      s.alarms.alarms.map((a) => a.node.id).filter((id) => id.startsWith("RemoteWrite"));
    expect(names(stack)).toEqual(["RemoteWriteLagging", "RemoteWriteFailing"]);
    const lagging = Object.values(resources).find(
      (r) => r.Type === "AWS::CloudWatch::Alarm" && r.Properties.MetricName === "PushLagSeconds",
    );
    expect(lagging?.Properties).toMatchObject({
      Threshold: 900,
      Statistic: "Maximum",
      ComparisonOperator: "GreaterThanThreshold",
    });
    expect(names(synth().stack)).toEqual([]);
  });

  it("refuses a malformed ARN and a push URL set twice", () => {
    expect(() =>
      parseSettings({ ampWorkspaceArn: "arn:aws:aps:eu-west-1:123456789012:rulegroupsnamespace/x" }),
    ).toThrow("ampWorkspaceArn: must be an Amazon Managed Service for Prometheus workspace ARN");
    expect(() =>
      parseSettings({
        ampWorkspaceArn: arn,
        exporterEnvironment: { REMOTE_WRITE_URL: "https://example.com/write" },
      }),
    ).toThrow(
      new SettingsError(
        "context exporterEnvironment: REMOTE_WRITE_URL is set by the stack from ampWorkspaceArn",
      ),
    );
  });

  it("lets the fetcher alone read the credentials secret of another receiver", () => {
    const secretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:remote-write-AbCdEf";
    const other = synth({
      remoteWriteCredentialsSecret: secretArn,
      exporterEnvironment: {
        REMOTE_WRITE_URL: "https://mimir.example.com/api/v1/push",
        REMOTE_WRITE_AUTH: "bearer",
      },
    });
    const all = other.template.toJSON().Resources as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    const reads = (role: IConstruct) =>
      statementsOf(other.stack, all, role).filter(
        (s) => JSON.stringify(s.Resource) === JSON.stringify(secretArn),
      );
    expect(reads(other.stack.collection.fetchAccount.role).map((s) => s.Action)).toEqual([
      ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
    ]);
    expect(reads(other.stack.collection.discover.role)).toEqual([]);
    expect(reads(other.stack.serving.serve.role)).toEqual([]);
    const fetcher = all[logicalId(other.stack, other.stack.collection.fetchAccount.function)];
    expect(
      (fetcher?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables,
    ).toMatchObject({
      REMOTE_WRITE_CREDENTIALS_SECRET_ARN: secretArn,
      REMOTE_WRITE_AUTH: "bearer",
    });
  });
});
