import type { CfnElement } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { actionsOf as sharedActionsOf, synth } from "./synth.ts";

/**
 * Least privilege, role by role: exactly the actions each one's code calls (DynamoDB:
 * discovery reads and writes cached documents; the fetcher also queries slices, updates
 * the run status and releases its lease; the endpoint gets, batch-gets and
 * queries; test/infra/iam-calls.test.ts checks them against the calls the code makes), nothing for a
 * stream the table does not have.
 */
const { stack, template } = synth();
const resources = template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: Record<string, unknown> }
>;
const logicalId = (construct: IConstruct) =>
  stack.resolve(stack.getLogicalId(construct.node.defaultChild as CfnElement)) as string;
const actionsOf = (role: IConstruct) => sharedActionsOf(stack, template, role);

interface Statement {
  Action: string | string[];
  Condition?: unknown;
}

const logs = ["logs:CreateLogStream", "logs:PutLogEvents"];
const secret = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"];
const ssm = ["ssm:GetParametersByPath"];

describe("each role's actions, exactly", () => {
  it("discover", () => {
    expect(actionsOf(stack.collection.discover.role)).toEqual(
      [...logs, "dynamodb:GetItem", "dynamodb:PutItem", ...secret, ...ssm].sort(),
    );
  });

  it("fetchAccount", () => {
    expect(actionsOf(stack.collection.fetchAccount.role)).toEqual(
      [
        ...logs,
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        ...secret,
        ...ssm,
      ].sort(),
    );
  });

  it("serve", () => {
    expect(actionsOf(stack.serving.serve.role)).toEqual(
      [...logs, "dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", ...secret, ...ssm].sort(),
    );
  });

  it("the state machine", () => {
    expect(actionsOf(stack.collection.stateMachine.role)).toEqual(
      [
        "lambda:InvokeFunction",
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:UpdateLogDelivery",
      ].sort(),
    );
  });

  it("the schedule", () => {
    const schedulerRoles = Object.entries(resources).filter(
      ([, r]) =>
        r.Type === "AWS::IAM::Policy" && JSON.stringify(r.Properties.Roles).includes("SchedulerRole"),
    );
    const actions = schedulerRoles.flatMap(([, r]) =>
      (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement.flatMap((s) => s.Action),
    );
    expect(actions.sort()).toEqual(["sqs:SendMessage", "states:StartExecution"]);
  });

  it("no role has a stream action while the table has no stream", () => {
    const table = Object.values(resources).find((r) => r.Type === "AWS::DynamoDB::Table");
    expect(table?.Properties.StreamSpecification).toBeUndefined();
    const all = Object.values(resources)
      .filter((r) => r.Type === "AWS::IAM::Policy")
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .flatMap((s) => s.Action);
    expect(
      all.filter((action) => /GetRecords|GetShardIterator|DescribeStream|ListStreams/.test(action)),
    ).toEqual([]);
  });
});

describe("the alarm topic's key", () => {
  it("lets CloudWatch use it only for this account's alarms", () => {
    const key = Object.values(resources).find((r) => r.Type === "AWS::KMS::Key");
    if (!key) throw new Error("no KMS key");
    const statements = (key.Properties.KeyPolicy as { Statement: (Statement & { Principal: unknown })[] })
      .Statement;
    const cloudwatch = statements.filter((s) =>
      JSON.stringify(s.Principal).includes("cloudwatch.amazonaws.com"),
    );
    expect(cloudwatch).toEqual([
      {
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Resource: "*",
        Condition: {
          StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
          ArnLike: {
            "aws:SourceArn": {
              "Fn::Join": [
                "",
                [
                  "arn:",
                  { Ref: "AWS::Partition" },
                  ":cloudwatch:",
                  { Ref: "AWS::Region" },
                  ":",
                  { Ref: "AWS::AccountId" },
                  ":alarm:*",
                ],
              ],
            },
          },
        },
      },
    ]);
  });
});

describe("the serve function's environment", () => {
  it("carries no ARN it does not use (serve never reads the Cloudflare token)", () => {
    const serve = resources[logicalId(stack.serving.serve.function)];
    if (!serve) throw new Error("no serve function");
    const variables = (
      serve.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(Object.keys(variables).filter((name) => name.endsWith("_ARN"))).toEqual([
      "SCRAPE_CREDENTIALS_SECRET_ARN",
    ]);
  });
});
