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
import type { Alarms } from "./alarms.ts";
import type { Collection } from "./collection.ts";
import type { Serving } from "./serving.ts";

export interface ExporterDashboardProps {
  collection: Collection;
  serving: Serving;
  alarms: Alarms;
  metricsNamespace: string;
}

/** The signals the alarms watch, on one page, with the alarms' states on top. */
export class ExporterDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ExporterDashboardProps) {
    super(scope, id);
    const { collection, serving, alarms, metricsNamespace } = props;
    const minute = Duration.minutes(1);
    const custom = (metricName: string, statistic: string) =>
      new Metric({ namespace: metricsNamespace, metricName, statistic, period: minute });
    const { stateMachine } = collection;
    const functions = [collection.discover, collection.fetchAccount, serving.serve].map((f) => f.function);

    this.dashboard = new Dashboard(this, "Dashboard", { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          "# Cloudflare exporter\nCollection cycles, data age and Cloudflare rate limits; the Lambdas; the metrics URL. See docs/deploy.md for what each alarm means.",
        width: 24,
        height: 2,
      }),
    );
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
      new GraphWidget({
        title: "Data age (s): oldest counted minute to now",
        left: [
          custom(runMetricNames.dataAge, "Maximum").with({ label: "all accounts (max)" }),
          new MathExpression({
            expression: `SEARCH('{${metricsNamespace},${accountDimension}} MetricName="${runMetricNames.dataAge}"', 'Maximum', 60)`,
            label: "",
            period: minute,
          }),
        ],
        leftAnnotations: [{ value: alarms.thresholds.staleAfterSeconds, label: "stale" }],
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
