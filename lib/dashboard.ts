import { Duration } from "aws-cdk-lib";
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
} from "aws-cdk-lib/aws-cloudwatch";
import { Construct } from "constructs";
import { accountDimension, runMetricNames } from "../lambda/collect/run-metrics.ts";
import type { Alarms, AlarmThresholds } from "./alarms.ts";
import type { Collection } from "./collection.ts";
import type { Serving } from "./serving.ts";

export interface ExporterDashboardProps {
  collection: Collection;
  serving: Serving;
  /** Their states go on top; without alarms (alarms=false) the graphs are the whole page. */
  alarms: Alarms | undefined;
  /** Marked on the data age graph, alarms or not. */
  thresholds: AlarmThresholds;
  /** Where the fetcher publishes its run metrics; without one (runMetrics=false) their graphs are left out. */
  metricsNamespace: string | undefined;
}

/** The signals the alarms watch, on one page, with the alarms' states on top (when the stack has alarms). */
export class ExporterDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ExporterDashboardProps) {
    super(scope, id);
    const { collection, serving, alarms, metricsNamespace } = props;
    const minute = Duration.minutes(1);
    const { stateMachine } = collection;
    const functions = [collection.discover, collection.fetchAccount, serving.serve].map((f) => f.function);

    this.dashboard = new Dashboard(this, "Dashboard", { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: [
          "# Cloudflare exporter\nCollection cycles",
          metricsNamespace ? ", data age and Cloudflare rate limits" : "",
          "; the Lambdas; the metrics URL.",
          alarms
            ? " See docs/deploy.md for what each alarm means."
            : " The stack has no alarms (alarms=false); the endpoint's self-metrics carry the same signals.",
        ].join(""),
        width: 24,
        height: 2,
      }),
    );
    if (alarms)
      this.dashboard.addWidgets(
        new AlarmStatusWidget({ title: "Alarms", alarms: alarms.alarms, width: 24, height: 3 }),
      );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: "Collection cycles",
        left: [
          stateMachine.metricStarted({ period: minute, statistic: "Sum", label: "started" }),
          stateMachine.metricSucceeded({ period: minute, statistic: "Sum", label: "succeeded" }),
          stateMachine.metricFailed({ period: minute, statistic: "Sum", label: "failed" }),
          stateMachine.metricTimedOut({ period: minute, statistic: "Sum", label: "timed out" }),
        ],
        width: 8,
      }),
      ...(metricsNamespace ? runMetricGraphs(metricsNamespace, props.thresholds) : []),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: "Lambda errors and throttles",
        left: functions.flatMap((f) => [
          f.metricErrors({ period: minute, statistic: "Sum" }),
          f.metricThrottles({ period: minute, statistic: "Sum" }),
        ]),
        width: 8,
      }),
      new GraphWidget({
        title: "Lambda duration (p99, ms)",
        left: functions.map((f) => f.metricDuration({ period: minute, statistic: "p99" })),
        width: 8,
      }),
      new GraphWidget({
        title: "Metrics URL",
        left: ["UrlRequestCount", "Url4xxCount", "Url5xxCount"].map((name) =>
          serving.serve.function.metric(name, { period: minute, statistic: "Sum", label: name }),
        ),
        width: 8,
      }),
    );
  }
}

/** The fetcher's own metrics (lambda/collect/run-metrics.ts): the data age, stack-wide and per account, and what Cloudflare answered. */
function runMetricGraphs(namespace: string, thresholds: AlarmThresholds): GraphWidget[] {
  const minute = Duration.minutes(1);
  const custom = (metricName: string, statistic: string) =>
    new Metric({ namespace, metricName, statistic, period: minute });
  return [
    new GraphWidget({
      title: "Data age (s): oldest counted minute to now",
      left: [
        custom(runMetricNames.dataAge, "Maximum").with({ label: "all accounts (max)" }),
        new MathExpression({
          expression: `SEARCH('{${namespace},${accountDimension}} MetricName="${runMetricNames.dataAge}"', 'Maximum', 60)`,
          label: "",
          period: minute,
        }),
      ],
      leftAnnotations: [{ value: thresholds.staleAfterSeconds, label: "stale" }],
      width: 8,
    }),
    new GraphWidget({
      title: "Cloudflare",
      left: [
        custom(runMetricNames.minutesCounted, "Sum").with({ label: "minutes counted (groups × zones)" }),
        custom(runMetricNames.collectionErrors, "Sum").with({ label: "collection errors" }),
      ],
      right: [custom(runMetricNames.rateLimitEvents, "Sum").with({ label: "rate-limit answers" })],
      width: 8,
    }),
  ];
}
