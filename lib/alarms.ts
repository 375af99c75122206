import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import { runMetricNames } from "../lambda/collect/run-metrics.ts";
import type { Collection } from "./collection.ts";
import type { Serving } from "./serving.ts";
import type { ExporterSettings } from "./settings.ts";

export interface AlarmsProps {
  settings: ExporterSettings;
  collection: Collection;
  serving: Serving;
  /** Where the fetcher publishes its run metrics; without one (runMetrics=false) the alarms on them are left out. */
  metricsNamespace: string | undefined;
}

export interface AlarmThresholds {
  staleAfterSeconds: number;
  failedRunsPerWindow: number;
  windowSeconds: number;
}

/** An alarm period: whole minutes, at most a day (CloudWatch's limits). */
const clampPeriod = (seconds: number) => Math.min(86_400, Math.ceil(seconds / 60) * 60);

/** The thresholds that follow from the schedule and the exporter's settings (the dashboard marks them too). */
export function alarmThresholds(settings: ExporterSettings): AlarmThresholds {
  const interval = settings.schedule.intervalSeconds;
  const windowSeconds = clampPeriod(Math.max(300, 5 * interval));
  const failedRunsPerWindow = Math.max(1, Math.min(3, Math.floor(windowSeconds / interval)));
  const config = settings.exporterConfig;
  // Fresh data trails now by the settling delay plus up to one interval; /health uses the same bound.
  const staleAfterSeconds = Math.max(config.healthMaxAgeSeconds, config.scrapeDelaySeconds + 2 * interval);
  return { staleAfterSeconds, failedRunsPerWindow, windowSeconds };
}

/**
 * What pages the operator, through one encrypted SNS topic. Windows scale with the
 * schedule: at the default one run a minute, "3 failures in 5 minutes" means most runs
 * of the window failed, while a single failed run (caught up by the next one, which
 * counts every minute it missed) stays quiet.
 */
export class Alarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  /** The thresholds chosen, for the docs and the tests. */
  readonly thresholds: AlarmThresholds;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { settings, collection, serving } = props;
    const stack = Stack.of(this);

    // CloudWatch can publish to an encrypted topic only with a customer managed key it may use.
    const key = new Key(this, "TopicKey", {
      description: `Encrypts the Cloudflare exporter's alarm topic (${stack.stackName})`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    const cloudwatch = new ServicePrincipal("cloudwatch.amazonaws.com");
    // Only for this account's alarms: no other account's CloudWatch may use the key through us.
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudwatch],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions: {
          StringEquals: { "aws:SourceAccount": stack.account },
          ArnLike: {
            "aws:SourceArn": `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
          },
        },
      }),
    );
    this.topic = new Topic(this, "Topic", {
      displayName: "Cloudflare exporter alarms",
      masterKey: key,
      enforceSSL: true,
    });
    // The topic policy replaces SNS's default one, so CloudWatch gets its own statement.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudwatch],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
      }),
    );
    if (settings.alarmEmail) this.topic.addSubscription(new EmailSubscription(settings.alarmEmail));

    const interval = settings.schedule.intervalSeconds;
    this.thresholds = alarmThresholds(settings);
    const { failedRunsPerWindow } = this.thresholds;
    const window = Duration.seconds(this.thresholds.windowSeconds);

    const { stateMachine } = collection;
    const fetch = collection.fetchAccount.function;

    this.add("FetchErrors", {
      description:
        "fetchAccount invocations failed (threw, timed out or ran out of memory) in most runs of the window.",
      metric: fetch.metricErrors({ period: window, statistic: "Sum" }),
      threshold: failedRunsPerWindow,
    });
    this.add("ExecutionsFailed", {
      description: "Collection cycles failed (usually discovery: token, Cloudflare or DynamoDB unreachable).",
      metric: stateMachine.metricFailed({ period: window, statistic: "Sum" }),
      threshold: failedRunsPerWindow,
    });
    this.add("ExecutionsTimedOut", {
      description: `Collection cycles ran past their ${settings.stateMachineTimeoutSeconds} s limit.`,
      metric: stateMachine.metricTimedOut({ period: window, statistic: "Sum" }),
      threshold: failedRunsPerWindow,
    });
    const silence = Duration.seconds(clampPeriod(Math.max(900, 3 * interval)));
    this.add("NoSuccessfulCycle", {
      description: `No collection cycle succeeded for ${silence.toMinutes()} minutes: the schedule or the state machine is not running.`,
      metric: stateMachine.metricSucceeded({ period: silence, statistic: "Sum" }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      // Silence is the failure here.
      treatMissingData: TreatMissingData.BREACHING,
    });
    const functions = [collection.discover, collection.fetchAccount, serving.serve].map((f) => f.function);
    this.add("LambdaThrottles", {
      description:
        "An exporter Lambda was throttled (account concurrency exhausted, or the serve reserved concurrency).",
      metric: new MathExpression({
        expression: functions.map((_, i) => `t${i}`).join(" + "),
        usingMetrics: Object.fromEntries(
          functions.map((f, i) => [
            `t${i}`,
            f.metricThrottles({ period: Duration.minutes(5), statistic: "Sum" }),
          ]),
        ),
        label: "Throttles",
        period: Duration.minutes(5),
      }),
      threshold: 1,
    });
    this.add("MetricsUrl5xx", {
      description:
        "The metrics URL answered 5xx (handler errors or timeouts; /health also answers 503 while data is stale).",
      metric: serving.serve.function.metric("Url5xxCount", { period: Duration.minutes(5), statistic: "Sum" }),
      threshold: 3,
    });
    if (props.metricsNamespace) this.addRunMetricAlarms(settings, props.metricsNamespace);
    this.add("ScheduleDeadLetters", {
      description:
        "The schedule could not start collection cycles; the undelivered starts wait in the dead-letter queue.",
      metric: collection.deadLetterQueue.metric("ApproximateNumberOfMessagesVisible", {
        period: Duration.minutes(5),
        statistic: "Maximum",
      }),
      threshold: 1,
    });
  }

  /** The alarms on the fetcher's own metrics (lambda/collect/run-metrics.ts). */
  private addRunMetricAlarms(settings: ExporterSettings, namespace: string): void {
    const interval = settings.schedule.intervalSeconds;
    const config = settings.exporterConfig;
    const { staleAfterSeconds, failedRunsPerWindow, windowSeconds } = this.thresholds;
    const custom = (metricName: string, statistic: string, period: Duration) =>
      new Metric({ namespace, metricName, statistic, period });
    this.add("DataStale", {
      description: `Some account's oldest counted minute is more than ${staleAfterSeconds} s old: collection is falling behind or failing.`,
      metric: custom(
        runMetricNames.dataAge,
        "Maximum",
        Duration.seconds(clampPeriod(Math.max(300, interval))),
      ),
      threshold: staleAfterSeconds,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.add("CloudflareRateLimited", {
      description: "Cloudflare answered 'rate limited': the token's API budget is spent, collection waits.",
      metric: custom(runMetricNames.rateLimitEvents, "Sum", Duration.minutes(5)),
      threshold: 1,
    });
    if (config.remoteWriteUrl) {
      // Well before samples grow older than the receiver's window and are folded.
      const lagSeconds = Math.min(900, config.remoteWriteWindowSeconds / 2);
      this.add("RemoteWriteLagging", {
        description: `Samples have waited more than ${lagSeconds} s for the remote-write receiver (after ${config.remoteWriteWindowSeconds} s they are folded into later ones): check the receiver, its permissions and the fetcher's log.`,
        metric: custom(
          runMetricNames.pushLag,
          "Maximum",
          Duration.seconds(clampPeriod(Math.max(300, interval))),
        ),
        threshold: lagSeconds,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
      this.add("RemoteWriteFailing", {
        description:
          "Remote-write requests failed (429, 5xx, timeout, network) in most runs of the window; they are retried.",
        metric: custom(runMetricNames.pushFailedRequests, "Sum", Duration.seconds(windowSeconds)),
        threshold: failedRunsPerWindow,
      });
    }
  }

  private add(
    id: string,
    options: {
      description: string;
      metric: IMetric;
      threshold: number;
      comparisonOperator?: ComparisonOperator;
      treatMissingData?: TreatMissingData;
    },
  ): void {
    const alarm = new Alarm(this, id, {
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: 1,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means nothing happened (no errors, no throttles), except where said otherwise.
      treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }
}
