import type { MetricFamily } from "../collect/query-group.ts";
import type { JournalBody } from "./journal.ts";

/**
 * The push's own metrics, from its journal: served by the scrape path and pushed with the
 * data. The lag is `time() - cloudflare_exporter_remote_write_accepted_until_timestamp_seconds`.
 */
const family = (
  name: string,
  type: MetricFamily["type"],
  labels: readonly string[],
  unit: string,
  help: string,
): MetricFamily => ({ name, type, labels, unit, help });

export const pushSelfMetricFamilies: readonly MetricFamily[] = [
  family(
    "cloudflare_exporter_remote_write_samples_total",
    "counter",
    ["account"],
    "samples",
    "Samples the remote-write receiver accepted",
  ),
  family(
    "cloudflare_exporter_remote_write_failed_requests_total",
    "counter",
    ["account"],
    "requests",
    "Remote-write requests that failed (429, 5xx, timeout, network) and were kept to be sent again",
  ),
  family(
    "cloudflare_exporter_remote_write_rejected_samples_total",
    "counter",
    ["account"],
    "samples",
    "Samples in requests the receiver refused with another 4xx (not sent again; see the log for its answer)",
  ),
  family(
    "cloudflare_exporter_remote_write_folded_seconds_total",
    "counter",
    ["account", "reason"],
    "seconds",
    "Time (whole minutes, in seconds) whose samples could not be placed: older than REMOTE_WRITE_WINDOW_SECONDS (`window`) or lost between a state write and the push journal (`crash`), or beyond what the journal item holds (`journal`); each counter's next sample carries their increase",
  ),
  family(
    "cloudflare_exporter_remote_write_pending_samples",
    "gauge",
    ["account"],
    "samples",
    "Samples waiting for the receiver",
  ),
  family(
    "cloudflare_exporter_remote_write_accepted_until_timestamp_seconds",
    "gauge",
    ["account"],
    "seconds",
    "Timestamp of the newest sample the receiver accepted (Unix seconds)",
  ),
];

export interface SelfSample {
  name: string;
  labels: [string, string][];
  value: number;
}

export function pushSelfSamples(account: string, journal: JournalBody): SelfSample[] {
  const labels: [string, string][] = [["account", account]];
  const { totals } = journal;
  const out: SelfSample[] = [
    { name: "cloudflare_exporter_remote_write_samples_total", labels, value: totals.acceptedSamples },
    { name: "cloudflare_exporter_remote_write_failed_requests_total", labels, value: totals.failedRequests },
    {
      name: "cloudflare_exporter_remote_write_rejected_samples_total",
      labels,
      value: totals.rejectedSamples,
    },
    ...["window", "crash", "journal"].map((reason) => ({
      name: "cloudflare_exporter_remote_write_folded_seconds_total",
      labels: [...labels, ["reason", reason]] as [string, string][],
      value: (totals.foldedMinutes[reason] ?? 0) * 60,
    })),
    {
      name: "cloudflare_exporter_remote_write_pending_samples",
      labels,
      value: journal.pending.reduce((sum, [, points]) => sum + points.length, 0),
    },
  ];
  if (journal.acceptedUntil !== undefined)
    out.push({
      name: "cloudflare_exporter_remote_write_accepted_until_timestamp_seconds",
      labels,
      value: journal.acceptedUntil / 1000,
    });
  return out;
}
