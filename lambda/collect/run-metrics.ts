import { type EmfDirective, emfLine } from "../lib/emf.ts";
import type { FetchSummary } from "./fetch-account.ts";

/**
 * The fetcher's own CloudWatch metrics, one EMF line per run: what the stack's alarms and
 * dashboard watch. The stack-wide series (no dimensions) let one alarm cover every
 * account; only the data age is also kept per account, since every custom metric series
 * is billed.
 */
export const runMetricNames = {
  /** Seconds from the oldest shard cursor of the account's zones to now. */
  dataAge: "DataAgeSeconds",
  /** Times Cloudflare answered "rate limited" during the run. */
  rateLimitEvents: "RateLimitEvents",
  minutesCounted: "MinutesCounted",
  collectionErrors: "CollectionErrors",
  /** Seconds from the oldest sample waiting for the remote-write receiver to now (0: nothing waits). */
  pushLag: "PushLagSeconds",
  /** Remote-write requests that failed during the run (kept and retried by the next run). */
  pushFailedRequests: "PushFailedRequests",
} as const;

/**
 * Plain members of the line, not metrics (no directive names them, so CloudWatch bills
 * nothing for them): the run's zones whose state the container's slice cache held and
 * those read from the table, for a Logs Insights query to take the warm share from
 * (docs/deploy.md, "Costs, roughly").
 */
export const runLogFieldNames = {
  stateZonesHeld: "StateZonesHeld",
  stateZonesRead: "StateZonesRead",
} as const;

export const defaultMetricsNamespace = "CloudflareExporter";
export const accountDimension = "AccountId";

export function runMetricsLine(
  summary: Pick<
    FetchSummary,
    | "accountId"
    | "oldestCursor"
    | "rateLimitEvents"
    | "minutesCounted"
    | "push"
    | "stateZonesHeld"
    | "stateZonesRead"
  > & {
    errorCount: number;
  },
  nowMs: number,
  namespace: string = defaultMetricsNamespace,
): string {
  const dataAge =
    summary.oldestCursor === undefined ? undefined : Math.max(0, nowMs / 1000 - summary.oldestCursor);
  const counts: EmfDirective["metrics"] = [
    { name: runMetricNames.rateLimitEvents, unit: "Count" },
    { name: runMetricNames.minutesCounted, unit: "Count" },
    { name: runMetricNames.collectionErrors, unit: "Count" },
  ];
  // Only runs that pushed report on the push: without REMOTE_WRITE_URL the series do not exist.
  const push: EmfDirective["metrics"] = summary.push
    ? [
        { name: runMetricNames.pushLag, unit: "Seconds" },
        { name: runMetricNames.pushFailedRequests, unit: "Count" },
      ]
    : [];
  const age: EmfDirective["metrics"] =
    dataAge === undefined ? [] : [{ name: runMetricNames.dataAge, unit: "Seconds" }];
  return emfLine({
    namespace,
    timestamp: nowMs,
    directives: [
      { dimensions: [[]], metrics: [...age, ...counts, ...push] },
      ...(age.length > 0 ? [{ dimensions: [[accountDimension]], metrics: age }] : []),
    ],
    members: {
      [accountDimension]: summary.accountId,
      [runMetricNames.rateLimitEvents]: summary.rateLimitEvents,
      [runMetricNames.minutesCounted]: summary.minutesCounted,
      [runMetricNames.collectionErrors]: summary.errorCount,
      [runLogFieldNames.stateZonesHeld]: summary.stateZonesHeld,
      [runLogFieldNames.stateZonesRead]: summary.stateZonesRead,
      ...(dataAge === undefined ? {} : { [runMetricNames.dataAge]: Math.round(dataAge) }),
      ...(summary.push
        ? {
            [runMetricNames.pushLag]: summary.push.lagSeconds,
            [runMetricNames.pushFailedRequests]: summary.push.failedRequests,
          }
        : {}),
    },
  });
}
