import { readFileSync } from "node:fs";
import type { CfnElement } from "aws-cdk-lib";
import { Annotations, Match, type Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import type { ExporterStack } from "../../lib/exporter-stack.ts";
import { serveNodeOptions } from "../../lib/serving.ts";
import { only, synth } from "./synth.ts";

const logicalId = (stack: ExporterStack, construct: IConstruct) =>
  stack.resolve(stack.getLogicalId(construct.node.defaultChild as CfnElement)) as string;

/** The statements of the policy attached to one function's role. */
function statementsOf(stack: ExporterStack, template: Template, fn: { role: IConstruct }) {
  const policies = template.findResources("AWS::IAM::Policy", {
    Properties: { Roles: [{ Ref: logicalId(stack, fn.role) }] },
  });
  return Object.values(policies).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties
        .PolicyDocument.Statement,
  );
}

describe("the exporter stack", () => {
  const { stack, template } = synth();
  const functions = {
    discover: stack.collection.discover,
    fetchAccount: stack.collection.fetchAccount,
    serve: stack.serving.serve,
  };

  it("synthesizes without CDK warnings", () => {
    expect(Annotations.fromStack(stack).findWarning("*", Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findError("*", Match.anyValue())).toEqual([]);
  });

  it("keeps state in one retained, on-demand table with point-in-time recovery and TTL", () => {
    template.resourceCountIs("AWS::DynamoDB::Table", 1);
    template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: {
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });

  it("runs three Node 24 arm64 Lambdas, each logging to its own log group with a retention", () => {
    template.resourceCountIs("AWS::Lambda::Function", 3);
    for (const fn of Object.values(functions)) {
      const properties = template.toJSON().Resources[logicalId(stack, fn.function)].Properties;
      expect(properties).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        LoggingConfig: { LogGroup: { Ref: logicalId(stack, fn.logGroup) } },
      });
      expect(properties.TracingConfig).toBeUndefined();
    }
    template.resourceCountIs("AWS::Logs::LogGroup", 4);
    template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
    // No AWSLambdaBasicExecutionRole: each role may write to its own log group only.
    for (const fn of Object.values(functions)) {
      expect(statementsOf(stack, template, fn)).toContainEqual({
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Effect: "Allow",
        Resource: { "Fn::GetAtt": [logicalId(stack, fn.logGroup), "Arn"] },
      });
    }
    template.allResourcesProperties("AWS::IAM::Role", { ManagedPolicyArns: Match.absent() });
  });

  it("gives every Lambda the same settings, and the token only as a secret's ARN to the collectors", () => {
    const common = {
      TABLE_NAME: { Ref: logicalId(stack, stack.storage.table) },
      CONFIG_PARAMETER_PATH: "/cloudflare-exporter/config/",
      EXPORTER_VERSION: "0.1.0",
      LOG_FORMAT: "json",
    };
    const variables = (fn: keyof typeof functions) =>
      template.toJSON().Resources[logicalId(stack, functions[fn].function)].Properties.Environment.Variables;
    const token = {
      CLOUDFLARE_API_TOKEN_SECRET_ARN: { Ref: logicalId(stack, stack.configuration.cloudflareToken) },
    };
    expect(variables("discover")).toEqual({ ...common, ...token });
    expect(variables("fetchAccount")).toEqual({
      ...common,
      ...token,
      METRICS_NAMESPACE: "CloudflareExporter/Test",
    });
    expect(variables("serve")).toEqual({
      ...common,
      // The endpoint's heap limits (lib/serving.ts): what its memory was chosen from.
      NODE_OPTIONS: serveNodeOptions,
      METRICS_AUTH: "required",
      SCRAPE_CREDENTIALS_SECRET_ARN: {
        Ref: logicalId(stack, stack.configuration.scrapeCredentials as IConstruct),
      },
    });
  });

  it("creates the Cloudflare token secret empty, and generates the scrape bearer token", () => {
    template.resourceCountIs("AWS::SecretsManager::Secret", 2);
    const token = template.toJSON().Resources[logicalId(stack, stack.configuration.cloudflareToken)];
    expect(token.Properties.GenerateSecretString).toBeUndefined();
    expect(token.Properties.SecretString).toBeUndefined();
    template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: {
        SecretStringTemplate: "{}",
        GenerateStringKey: "bearerToken",
        PasswordLength: 48,
        ExcludePunctuation: true,
        IncludeSpace: false,
      },
    });
  });

  it("lets only the collectors read the Cloudflare token, and only serve read the scrape credentials", () => {
    const tokenRead = {
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      Effect: "Allow",
      Resource: { Ref: logicalId(stack, stack.configuration.cloudflareToken) },
    };
    expect(statementsOf(stack, template, functions.discover)).toContainEqual(tokenRead);
    expect(statementsOf(stack, template, functions.fetchAccount)).toContainEqual(tokenRead);
    expect(statementsOf(stack, template, functions.serve)).not.toContainEqual(tokenRead);
    const secretsOf = (fn: keyof typeof functions) =>
      statementsOf(stack, template, functions[fn])
        .filter((s) => JSON.stringify(s.Action).includes("secretsmanager:"))
        .map((s) => s.Resource);
    expect(secretsOf("serve")).toEqual([
      { Ref: logicalId(stack, stack.configuration.scrapeCredentials as IConstruct) },
    ]);
  });

  it("grants table read/write to the collectors and read-only to serve", () => {
    const actions = (fn: keyof typeof functions) =>
      statementsOf(stack, template, functions[fn])
        .filter((s) => JSON.stringify(s.Action).includes("dynamodb:"))
        .flatMap((s) => s.Action as string[]);
    expect(actions("discover")).toContain("dynamodb:PutItem");
    expect(actions("fetchAccount")).toEqual(
      expect.arrayContaining(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]),
    );
    expect(actions("serve")).toEqual(expect.arrayContaining(["dynamodb:GetItem", "dynamodb:Query"]));
    expect(actions("serve").filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
  });

  it("scopes Parameter Store access to the config path", () => {
    const arn = (name: string) => ({
      "Fn::Join": [
        "",
        [
          "arn:",
          { Ref: "AWS::Partition" },
          ":ssm:",
          { Ref: "AWS::Region" },
          ":",
          { Ref: "AWS::AccountId" },
          name,
        ],
      ],
    });
    for (const fn of Object.values(functions)) {
      const ssm = statementsOf(stack, template, fn).filter((s) => JSON.stringify(s.Action).includes("ssm:"));
      expect(ssm).toEqual([
        {
          Action: "ssm:GetParametersByPath",
          Effect: "Allow",
          Resource: [
            arn(":parameter/cloudflare-exporter/config"),
            arn(":parameter/cloudflare-exporter/config/*"),
          ],
        },
      ]);
    }
  });

  it("runs collection as an Express state machine with a timeout under the schedule's minute", () => {
    const machine = only(template, "AWS::StepFunctions::StateMachine");
    expect(machine).toMatchObject({
      StateMachineType: "EXPRESS",
      LoggingConfiguration: {
        Level: "ERROR",
        IncludeExecutionData: true,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { "Fn::GetAtt": [expect.stringMatching(/ExecutionLogs/), "Arn"] },
            },
          },
        ],
      },
      TracingConfiguration: { Enabled: false },
    });
    expect(JSON.stringify(machine.DefinitionString)).toContain('\\"TimeoutSeconds\\":55');
    expect(JSON.stringify(machine.DefinitionString)).not.toContain("JSONata");
  });

  it("starts a cycle every minute from EventBridge Scheduler, with the slot time, retries and a dead-letter queue", () => {
    const schedule = only(template, "AWS::Scheduler::Schedule");
    expect(schedule).toMatchObject({
      ScheduleExpression: "rate(1 minute)",
      FlexibleTimeWindow: { Mode: "OFF" },
      State: "ENABLED",
      Target: {
        Arn: { Ref: logicalId(stack, stack.collection.stateMachine) },
        Input: JSON.stringify({ scheduledTime: "<aws.scheduler.scheduled-time>", maxConcurrency: 10 }),
        RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 3 },
        DeadLetterConfig: {
          Arn: { "Fn::GetAtt": [logicalId(stack, stack.collection.deadLetterQueue), "Arn"] },
        },
      },
    });
    template.hasResourceProperties("AWS::SQS::Queue", { SqsManagedSseEnabled: true });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ],
      },
    });
  });

  it("serves metrics from a public Function URL whose handler checks the bearer token", () => {
    expect(only(template, "AWS::Lambda::Url")).toMatchObject({ AuthType: "NONE", InvokeMode: "BUFFERED" });
    const serve = template.toJSON().Resources[logicalId(stack, functions.serve.function)].Properties;
    expect(serve.ReservedConcurrentExecutions).toBeUndefined();
  });

  it("notifies one encrypted, TLS-only SNS topic from nine alarms", () => {
    template.resourceCountIs("AWS::CloudWatch::Alarm", 9);
    template.hasResourceProperties("AWS::SNS::Topic", {
      KmsMasterKeyId: { "Fn::GetAtt": [Match.stringLikeRegexp("TopicKey"), "Arn"] },
    });
    template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          Match.objectLike({ Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" } }),
        ]),
      },
    });
    template.resourceCountIs("AWS::SNS::Subscription", 0);
    const topic = { Ref: logicalId(stack, stack.alarms.topic) };
    template.allResourcesProperties("AWS::CloudWatch::Alarm", { AlarmActions: [topic], OKActions: [topic] });
  });

  it("alarms on the signals that matter, with thresholds that fit a one-minute cycle", () => {
    const alarm = (metric: string, properties: Record<string, unknown>) =>
      template.hasResourceProperties("AWS::CloudWatch::Alarm", { MetricName: metric, ...properties });
    const fetchFunction = { Ref: logicalId(stack, functions.fetchAccount.function) };
    alarm("Errors", {
      Namespace: "AWS/Lambda",
      Dimensions: [{ Name: "FunctionName", Value: fetchFunction }],
      Statistic: "Sum",
      Period: 300,
      Threshold: 3,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    alarm("ExecutionsFailed", { Namespace: "AWS/States", Period: 300, Threshold: 3 });
    alarm("ExecutionsTimedOut", { Namespace: "AWS/States", Period: 300, Threshold: 3 });
    alarm("ExecutionsSucceeded", {
      Period: 900,
      Threshold: 1,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "breaching",
    });
    alarm("Url5xxCount", { Namespace: "AWS/Lambda", Threshold: 3, Period: 300 });
    alarm("DataAgeSeconds", {
      Namespace: "CloudflareExporter/Test",
      Statistic: "Maximum",
      Threshold: 900,
      ComparisonOperator: "GreaterThanThreshold",
      TreatMissingData: "notBreaching",
    });
    alarm("RateLimitEvents", { Namespace: "CloudflareExporter/Test", Statistic: "Sum", Threshold: 1 });
    alarm("ApproximateNumberOfMessagesVisible", { Namespace: "AWS/SQS", Threshold: 1 });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: "t0 + t1 + t2" })]),
      Threshold: 1,
    });
    template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
  });

  it("outputs the URL, the secrets, the commands to fill and read them, and a scrape config", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual([
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
    ]);
    const text = (name: string) => JSON.stringify(outputs[name]?.Value);
    expect(text("FillCloudflareTokenCommand")).toContain("aws secretsmanager put-secret-value --region ");
    expect(text("FillCloudflareTokenCommand")).toContain('--secret-string \\"$CLOUDFLARE_API_TOKEN\\"');
    expect(text("ReadBearerTokenCommand")).toContain("jq -r .bearerToken");
    expect(text("PrometheusScrapeConfig")).toContain("scheme: https, metrics_path: /metrics");
    expect(text("PrometheusScrapeConfig")).toContain(
      "authorization: {type: Bearer, credentials_file: /etc/prometheus/cloudflare-exporter.token}",
    );
    expect(outputs.ConfigParameterPath?.Value).toBe("/cloudflare-exporter/config/");
  });
});

describe("the stack's options", () => {
  it("puts the URL behind AWS_IAM with metricsAuth=iam, without a scrape secret", () => {
    const { stack, template } = synth({ metricsAuth: "iam" });
    expect(only(template, "AWS::Lambda::Url")).toMatchObject({ AuthType: "AWS_IAM" });
    template.resourceCountIs("AWS::Lambda::Permission", 0);
    template.resourceCountIs("AWS::SecretsManager::Secret", 1);
    const variables =
      template.toJSON().Resources[logicalId(stack, stack.serving.serve.function)].Properties.Environment
        .Variables;
    expect(variables.METRICS_AUTH).toBe("iam");
    expect(variables.SCRAPE_CREDENTIALS_SECRET_ARN).toBeUndefined();
    expect(JSON.stringify(template.toJSON().Outputs.PrometheusScrapeConfig.Value)).toContain("SigV4");
  });

  it("turns scrape auth off with metricsAuth=disabled", () => {
    const { stack, template } = synth({ metricsAuth: "disabled" });
    expect(only(template, "AWS::Lambda::Url")).toMatchObject({ AuthType: "NONE" });
    const variables =
      template.toJSON().Resources[logicalId(stack, stack.serving.serve.function)].Properties.Environment
        .Variables;
    expect(variables.METRICS_AUTH).toBe("disabled");
    expect(JSON.stringify(template.toJSON().Outputs.PrometheusScrapeConfig.Value)).not.toContain(
      "authorization",
    );
  });

  it("uses an existing token secret by ARN or name, and creates none", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cloudflare/token-AbCdEf";
    const byArn = synth({ cloudflareTokenSecret: arn });
    byArn.template.resourceCountIs("AWS::SecretsManager::Secret", 1);
    const discover =
      byArn.template.toJSON().Resources[logicalId(byArn.stack, byArn.stack.collection.discover.function)]
        .Properties;
    expect(discover.Environment.Variables.CLOUDFLARE_API_TOKEN_SECRET_ARN).toBe(arn);
    expect(statementsOf(byArn.stack, byArn.template, byArn.stack.collection.discover)).toContainEqual(
      expect.objectContaining({
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: arn,
      }),
    );
    expect(byArn.template.toJSON().Outputs.FillCloudflareTokenCommand).toBeUndefined();

    const byName = synth({ cloudflareTokenSecret: "cloudflare/token" });
    byName.template.resourceCountIs("AWS::SecretsManager::Secret", 1);
    expect(
      JSON.stringify(statementsOf(byName.stack, byName.template, byName.stack.collection.fetchAccount)),
    ).toContain(":secret:cloudflare/token-??????");
  });

  it("scales the state machine timeout and the alarm windows with the schedule", () => {
    const { template } = synth({ schedule: "rate(5 minutes)", maxConcurrency: "4" });
    expect(only(template, "AWS::Scheduler::Schedule")).toMatchObject({
      ScheduleExpression: "rate(5 minutes)",
      Target: { RetryPolicy: { MaximumEventAgeInSeconds: 300 } },
    });
    const definition = JSON.stringify(only(template, "AWS::StepFunctions::StateMachine").DefinitionString);
    expect(definition).toContain('\\"TimeoutSeconds\\":295');
    // The cap travels in the schedule's input; discover sets the Map's concurrency within it.
    expect(only(template, "AWS::Scheduler::Schedule")).toMatchObject({
      Target: {
        Input: JSON.stringify({ scheduledTime: "<aws.scheduler.scheduled-time>", maxConcurrency: 4 }),
      },
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ExecutionsFailed",
      Period: 1500,
      Threshold: 3,
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ExecutionsSucceeded",
      Period: 900,
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "DataAgeSeconds",
      Threshold: 900,
    });
  });

  it("offers provisioned capacity, table deletion, log retention, tracing, reserved concurrency and an alarm email", () => {
    const { stack, template } = synth({
      tableBillingMode: "provisioned",
      tableReadCapacity: 10,
      tableWriteCapacity: "20",
      retainTable: "false",
      logRetentionDays: "14",
      tracing: true,
      serveReservedConcurrency: "5",
      alarmEmail: "ops@example.com",
    });
    template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Delete",
      Properties: {
        BillingMode: Match.absent(),
        ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 20 },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
    template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 14 });
    template.allResourcesProperties("AWS::Lambda::Function", { TracingConfig: { Mode: "Active" } });
    expect(only(template, "AWS::StepFunctions::StateMachine")).toMatchObject({
      TracingConfiguration: { Enabled: true },
    });
    const serve = template.toJSON().Resources[logicalId(stack, stack.serving.serve.function)].Properties;
    expect(serve.ReservedConcurrentExecutions).toBe(5);
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
    });
  });

  it("loads the alert and recording rules into an AMP workspace only when asked", () => {
    synth().template.resourceCountIs("AWS::APS::RuleGroupsNamespace", 0);
    const workspace = "arn:aws:aps:eu-west-1:123456789012:workspace/ws-0123abcd-4567-89ef-0123-456789abcdef";
    const { template: withAmp } = synth({ ampWorkspaceArn: workspace });
    expect(only(withAmp, "AWS::APS::RuleGroupsNamespace")).toEqual({
      Workspace: workspace,
      Name: "cloudflare-exporter",
      Data: readFileSync(new URL("../../rules/cloudflare-exporter.rules.yml", import.meta.url), "utf8"),
    });
    expect(() => synth({ ampWorkspaceArn: "ws-0123abcd" })).toThrow(
      /ampWorkspaceArn: must be an Amazon Managed/,
    );
  });

  it("passes exporter settings through and stops synth on a typo", () => {
    const { stack, template } = synth({
      exporterEnvironment: JSON.stringify({
        CF_ZONES: "0123456789abcdef0123456789abcdef",
        SCRAPE_DELAY_SECONDS: 600,
      }),
    });
    const variables =
      template.toJSON().Resources[logicalId(stack, stack.collection.fetchAccount.function)].Properties
        .Environment.Variables;
    expect(variables).toMatchObject({
      CF_ZONES: "0123456789abcdef0123456789abcdef",
      SCRAPE_DELAY_SECONDS: "600",
    });
    // The staleness threshold follows the settling delay it is given.
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "DataAgeSeconds",
      Threshold: 900,
    });
    expect(() => synth({ exporterEnvironment: { SCRAPE_DELAY_SECONDS: "90" } })).toThrow(
      /exporterEnvironment: invalid configuration: SCRAPE_DELAY_SECONDS="90"/,
    );
    expect(() => synth({ exporterEnvironment: { SCRAPE_DELAY_SECOND: "120" } })).toThrow(
      /unknown setting SCRAPE_DELAY_SECOND/,
    );
    expect(() => synth({ exporterEnvironment: { CLOUDFLARE_API_TOKEN: "x" } })).toThrow(
      /never goes in an environment variable/,
    );
    expect(() => synth({ exporterEnvironment: { TABLE_NAME: "x" } })).toThrow(/set by the stack itself/);
  });

  it("refuses context values it cannot honour", () => {
    expect(() => synth({ schedule: "cron(* * * * ? *)" })).toThrow(/schedule: must be a rate expression/);
    expect(() => synth({ schedule: "rate(1 minutes)" })).toThrow(/schedule/);
    expect(() => synth({ metricsAuth: "token" })).toThrow(/metricsAuth/);
    expect(() => synth({ maxConcurrency: 41 })).toThrow(/maxConcurrency/);
    expect(() => synth({ logRetentionDays: 31 })).toThrow(/logRetentionDays: must be one of/);
    expect(() => synth({ parameterPrefix: "aws/exporter" })).toThrow(/parameterPrefix/);
    expect(() => synth({ alarmEmail: "ops" })).toThrow(/alarmEmail/);
    expect(() => synth({ exporterEnvironment: "{not json" })).toThrow(/exporterEnvironment/);
  });

  it("honours a custom parameter prefix", () => {
    const { stack, template } = synth({ parameterPrefix: "/team/cf/" });
    const variables =
      template.toJSON().Resources[logicalId(stack, stack.collection.discover.function)].Properties.Environment
        .Variables;
    expect(variables.CONFIG_PARAMETER_PATH).toBe("/team/cf/config/");
    expect(JSON.stringify(statementsOf(stack, template, stack.collection.discover))).toContain(
      ":parameter/team/cf/config/*",
    );
  });
});
