import type { Sample } from "../exposition/model.ts";
import type { JournalBody } from "../store/push-journal.ts";

/**
 * The push's own metrics, from an account's push journal: served by the scrape and pushed
 * with the data. Declared in lambda/catalogue/self-metrics.ts. The push lag is
 * `time() - cloudflare_exporter_remote_write_accepted_until_timestamp_seconds`.
 */
export interface NamedSample extends Sample {
  name: string;
}

export const foldReasons = ["window", "crash", "journal"] as const;

export function pushSelfSamples(account: string, journal: JournalBody): NamedSample[] {
  const labels: [string, string][] = [["account", account]];
  const { totals } = journal;
  const out: NamedSample[] = [
    { name: "cloudflare_exporter_remote_write_samples_total", labels, value: totals.acceptedSamples },
    { name: "cloudflare_exporter_remote_write_failed_requests_total", labels, value: totals.failedRequests },
    {
      name: "cloudflare_exporter_remote_write_rejected_samples_total",
      labels,
      value: totals.rejectedSamples,
    },
    ...foldReasons.map((reason) => ({
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
