import { type CfnElement, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from "aws-cdk-lib/aws-scheduler";
import { StepFunctionsStartExecution } from "aws-cdk-lib/aws-scheduler-targets";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { collectionWorkflow } from "./collection-workflow.ts";
import type { Configuration } from "./configuration.ts";
import { ExporterFunction } from "./exporter-function.ts";
import { acknowledge } from "./nag.ts";
import type { ExporterSettings } from "./settings.ts";

export interface CollectionProps {
  settings: ExporterSettings;
  table: ITable;
  configuration: Configuration;
  /** Variables every exporter Lambda gets. */
  environment: Record<string, string>;
  /** CloudWatch namespace of the fetcher's own metrics (staleness, rate limits); without one (runMetrics=false) it publishes none. */
  metricsNamespace: string | undefined;
}

/**
 * The collection side: EventBridge Scheduler starts an Express state machine every
 * interval; it discovers the accounts and fetches each in its own Lambda invocation.
 */
export class Collection extends Construct {
  readonly discover: ExporterFunction;
  readonly fetchAccount: ExporterFunction;
  readonly stateMachine: StateMachine;
  readonly schedule: Schedule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: CollectionProps) {
    super(scope, id);
    const { settings, table, configuration } = props;
    const timeoutSeconds = settings.stateMachineTimeoutSeconds;

    this.discover = new ExporterFunction(this, "Discover", {
      entry: "lambda/handlers/discover.ts",
      description: "Cloudflare exporter: lists the accounts to collect",
      memorySize: 256,
      timeout: Duration.seconds(Math.min(20, timeoutSeconds)),
      environment: props.environment,
      settings,
    });
    this.fetchAccount = new ExporterFunction(this, "FetchAccount", {
      entry: "lambda/handlers/fetch-account.ts",
      description: "Cloudflare exporter: counts one account's settled minutes into DynamoDB",
      memorySize: 512,
      // Ends before the execution does, so a slow account is that account's failure, not the run's.
      timeout: Duration.seconds(Math.max(10, timeoutSeconds - 10)),
      environment: {
        ...props.environment,
        ...(props.metricsNamespace ? { METRICS_NAMESPACE: props.metricsNamespace } : {}),
      },
      settings,
    });
    // Exactly what each one's code calls (test/infra/iam-calls.test.ts records it):
    // discovery gets and puts its cached documents; a fetcher also queries its zones'
    // stored slices, updates the run status and deletes its lease and carried-over items.
    table.grant(this.discover.function, "dynamodb:GetItem", "dynamodb:PutItem");
    table.grant(
      this.fetchAccount.function,
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
    );
    for (const fn of [this.discover, this.fetchAccount]) {
      configuration.grantTokenRead(fn.function);
      configuration.grantParametersRead(fn.role);
    }

    const executionLogs = new LogGroup(this, "ExecutionLogs", {
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, "StateMachine", {
      comment: "Cloudflare exporter: one collection cycle",
      stateMachineType: StateMachineType.EXPRESS,
      definitionBody: DefinitionBody.fromChainable(
        collectionWorkflow(
          // The states are constructs too: their own scope keeps their names free of clashes.
          new Construct(this, "Workflow"),
          { discover: this.discover.function, fetchAccount: this.fetchAccount.function },
        ),
      ),
      // Below the schedule's interval: one cycle never overlaps the next for long.
      timeout: Duration.seconds(timeoutSeconds),
      logs: { destination: executionLogs, level: LogLevel.ERROR, includeExecutionData: true },
      tracingEnabled: settings.tracing,
    });
    this.acknowledgeStateMachineFindings(settings);

    this.deadLetterQueue = new Queue(this, "ScheduleDeadLetters", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      "AwsSolutions-SQS3",
      "This queue is itself the dead-letter queue of the EventBridge schedule; a dead-letter queue of its own would only move the messages.",
    );
    const interval = settings.schedule.intervalSeconds;
    this.schedule = new Schedule(this, "Schedule", {
      description: "Starts one Cloudflare exporter collection cycle",
      schedule: ScheduleExpression.expression(settings.schedule.expression),
      target: new StepFunctionsStartExecution(this.stateMachine, {
        // The slot time, not the delivery time: duplicates of one tick carry the same value.
        input: ScheduleTargetInput.fromObject({
          scheduledTime: ContextAttribute.scheduledTime,
          maxConcurrency: settings.maxConcurrency,
        }),
        // A start that cannot be delivered within one interval is superseded by the next tick.
        maxEventAge: Duration.seconds(Math.min(Math.max(60, interval), 86_400)),
        retryAttempts: 3,
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }

  private acknowledgeStateMachineFindings(settings: ExporterSettings): void {
    const role = this.stateMachine.role;
    acknowledge(
      this.stateMachine,
      "AwsSolutions-SF1",
      "Logging every event (ALL) of a once-a-minute Express workflow costs more than the workflow; failed executions are logged (ERROR, with their data) and counted by CloudWatch metrics and alarms.",
    );
    if (!settings.tracing) {
      acknowledge(
        this.stateMachine,
        "AwsSolutions-SF2",
        "X-Ray tracing is optional (context tracing=true); it is off by default to keep the per-minute cycle's cost down.",
      );
    }
    const stack = Stack.of(this);
    for (const fn of [this.discover, this.fetchAccount]) {
      const logicalId = stack.getLogicalId(fn.function.node.defaultChild as CfnElement);
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        "CDK's grantInvoke also allows the function's versions and aliases (ARN:*); the state machine invokes only this one function.",
      );
    }
    acknowledge(
      role,
      "AwsSolutions-IAM5[Resource::*]",
      "CloudWatch Logs delivery actions for Step Functions logging (logs:CreateLogDelivery, GetLogDelivery, …) and X-Ray's PutTraceSegments support no resource-level permissions.",
    );
  }
}
