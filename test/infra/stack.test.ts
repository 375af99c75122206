import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { ExporterStack } from "../../lib/exporter-stack.ts";

describe("ExporterStack", () => {
  it("keeps state in one retained, on-demand table with point-in-time recovery and TTL", () => {
    const template = Template.fromStack(new ExporterStack(new App(), "Test"));
    template.resourceCountIs("AWS::DynamoDB::Table", 1);
    template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      Properties: {
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      },
    });
    expect(Object.keys(template.toJSON().Resources)).toHaveLength(1);
  });
});
