import type { MetricFamily } from "./query-group.ts";

/**
 * The exporter's own metrics: their one declaration. They are computed per scrape from
 * stored state (lambda/serve/families.ts), which takes HELP and type from here and refuses
 * a name missing here, so docs/metrics.md (printed from this list) cannot drift.
 */
const self = (
  name: string,
  type: MetricFamily["type"],
  labels: readonly string[],
  unit: string,
  help: string,
): MetricFamily => ({ name, type, labels, unit, help });

export const selfMetricFamilies: readonly MetricFamily[] = [
  self("cloudflare_exporter_up", "gauge", [], "1", "1 when the exporter could read its stored state"),
  self("cloudflare_exporter_build_info", "gauge", ["version", "runtime"], "1", "Version of the exporter"),
  self("cloudflare_accounts", "gauge", [], "accounts", "Accounts discovered (after CF_ACCOUNTS)"),
  self("cloudflare_zones", "gauge", [], "zones", "Active zones discovered"),
  self("cloudflare_zones_filtered", "gauge", [], "zones", "Zones after the CF_ZONES allow-list"),
  self("cloudflare_zones_processed", "gauge", [], "zones", "Zones with counted data"),
  self(
    "cloudflare_zones_skipped_free_tier",
    "gauge",
    [],
    "zones",
    "Zones whose zone datasets are not queried because their account is listed in CF_FREE_TIER_ACCOUNTS (their REST snapshots still are)",
  ),
  self(
    "cloudflare_exporter_errors_total",
    "counter",
    ["account", "code"],
    "errors",
    "Collection errors, by account and error code",
  ),
  self(
    "cloudflare_exporter_cloudflare_requests_total",
    "counter",
    ["account", "api"],
    "requests",
    "Requests made to the Cloudflare API",
  ),
  self(
    "cloudflare_exporter_rate_limit_events_total",
    "counter",
    ["account"],
    "events",
    "Times Cloudflare answered that a rate limit was reached",
  ),
  self(
    "cloudflare_exporter_collected_from_timestamp_seconds",
    "gauge",
    ["account", "zone", "query"],
    "seconds",
    "Start of the counted range (Unix seconds)",
  ),
  self(
    "cloudflare_exporter_collected_until_timestamp_seconds",
    "gauge",
    ["account", "zone", "query"],
    "seconds",
    "End of the counted range: every minute before it is counted (Unix seconds); for REST snapshots, when the snapshot was taken",
  ),
  self(
    "cloudflare_exporter_data_age_seconds",
    "gauge",
    ["account", "zone"],
    "seconds",
    "Seconds from the end of the zone's (or account's) counted range, over its minute query groups, to the scrape: how far its counters trail; grows to the collection interval when the token's budget widens collection",
  ),
  self(
    "cloudflare_exporter_graphql_blocked_until_timestamp_seconds",
    "gauge",
    ["account"],
    "seconds",
    "Until when Cloudflare's last `budget` answer stopped GraphQL calls (Unix seconds): the token's budget without an `account` label, an account's own (GRAPHQL_ACCOUNT_BASED_RATE_LIMITING) with it; blocked while later than time()",
  ),
  // In seconds, Prometheus' base unit (promtool rejects a `_minutes` name).
  self(
    "cloudflare_exporter_lost_seconds_total",
    "counter",
    ["account", "zone", "query"],
    "seconds",
    "Time that could not be counted (whole minutes, in seconds): older than Cloudflare's lookback when fetched",
  ),
  self(
    "cloudflare_exporter_dropped_samples_total",
    "counter",
    ["account", "zone", "query", "family"],
    "samples",
    "Samples of new series not stored because their family reached MAX_SERIES_PER_FAMILY for the zone (or account)",
  ),
  self(
    "cloudflare_exporter_config_errors",
    "gauge",
    ["key"],
    "overrides",
    "Runtime config overrides rejected (ignored, the environment value or default in force), by key",
  ),
  self(
    "cloudflare_exporter_remote_write_samples_total",
    "counter",
    ["account"],
    "samples",
    "Samples the remote-write receiver accepted",
  ),
  self(
    "cloudflare_exporter_remote_write_failed_requests_total",
    "counter",
    ["account"],
    "requests",
    "Remote-write requests that failed (429, 5xx, timeout, network) and were kept to be sent again",
  ),
  self(
    "cloudflare_exporter_remote_write_rejected_samples_total",
    "counter",
    ["account"],
    "samples",
    "Samples in requests the receiver refused with another 4xx (not sent again; see the log for its answer)",
  ),
  self(
    "cloudflare_exporter_remote_write_folded_seconds_total",
    "counter",
    ["account", "reason"],
    "seconds",
    "Time (whole minutes, in seconds) whose samples could not be placed: older than REMOTE_WRITE_WINDOW_SECONDS (`window`) or lost between a state write and the push journal (`crash`), or beyond what the journal item holds (`journal`); each counter's next sample carries their increase",
  ),
  self(
    "cloudflare_exporter_remote_write_pending_samples",
    "gauge",
    ["account"],
    "samples",
    "Samples waiting for the remote-write receiver",
  ),
  self(
    "cloudflare_exporter_remote_write_accepted_until_timestamp_seconds",
    "gauge",
    ["account"],
    "seconds",
    "Timestamp of the newest sample the remote-write receiver accepted (Unix seconds)",
  ),
];
