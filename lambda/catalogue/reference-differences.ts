/**
 * Where our metrics deliberately differ from the reference exporter
 * (cloudflare/cloudflare-prometheus-exporter), and why. Rendered into docs/metrics.md; a
 * test checks that every reference family is exported as it was or is listed here.
 */
export interface ReferenceDifference {
  /** The reference's family name. */
  reference: string;
  /** Our family (or families) in its place; empty when it is not exported at all. */
  ours: readonly string[];
  /** What differs: name, type, labels or meaning. */
  change: string;
  why: string;
}

export const referenceDifferences: readonly ReferenceDifference[] = [
  {
    reference: "cloudflare_zone_requests_cached",
    ours: ["cloudflare_zone_requests_cached_total"],
    change: "a counter named `_total` instead of a gauge of one minute's value",
    why: "cached requests add up over time like every other request count (its bandwidth sibling was already a counter)",
  },
  {
    reference: "cloudflare_zone_uniques_total",
    ours: ["cloudflare_zone_uniques"],
    change: "a gauge of the last counted minute instead of a counter",
    why: "unique visitors are not additive: a visitor seen in two minutes is one visitor, so a sum over minutes is not a number of visitors",
  },
  {
    reference: "cloudflare_zone_requests_status_total",
    ours: ["cloudflare_zone_requests_status_total"],
    change: "`status` is the status code (`404`), or its class (`4xx`) when `CF_HTTP_STATUS_GROUP=true`",
    why: "the reference always grouped into classes and ignored its own setting; the setting now decides",
  },
  {
    reference: "cloudflare_worker_duration_seconds",
    ours: ["cloudflare_worker_duration_gigabyte_seconds"],
    change: "renamed, value unscaled, typed summary (quantiles of the last counted minute)",
    why: "Cloudflare's schema documents `durationP*` as GB·s (memory × time), not milliseconds; the reference divided GB·s by 1000 and called it seconds",
  },
  {
    reference: "cloudflare_worker_cpu_time_seconds",
    ours: ["cloudflare_worker_cpu_time_seconds"],
    change:
      "typed summary instead of gauge; `quantile` values are `0.5`, `0.75`, `0.99`, `0.999` instead of `P50`, `P75`, `P99`, `P999`",
    why: "Prometheus reserves the `quantile` label for summaries (promtool rejects it on a gauge), and its values are numbers there",
  },
  {
    reference: "cloudflare_exporter_errors_total",
    ours: ["cloudflare_exporter_errors_total"],
    change:
      "labels `account` (name) and `code` instead of `account_id` and `error_code`; a persisted counter",
    why: "the same account label as every other self-metric; the reference's value was a per-scrape 0/1 that reset on the next good scrape",
  },
  {
    reference: "cloudflare_zone_pool_health_status",
    ours: ["cloudflare_zone_pool_health_status"],
    change:
      "1 when the pool was healthy in every sampled request of the last counted minute that selected it, else 0",
    why: 'the reference read every pool of the raw `loadBalancingRequestsAdaptive` node (capped at `limit` rows) and took the max, i.e. "healthy in at least one request"; ours reads the aggregated node, whose rows are complete',
  },
  {
    reference: "cloudflare_zone_certificate_validation_status",
    ours: [
      "cloudflare_zone_certificate_expiry_timestamp_seconds",
      "cloudflare_zone_certificate_validation_status",
    ],
    change:
      "the expiry is served as `cloudflare_zone_certificate_expiry_timestamp_seconds` (one series per certificate, label `certificate_id`); the old name is kept, its value the soonest expiry of its label set",
    why: 'the old name says "validation status" but carries an expiry timestamp, and the reference took the max of certificates sharing labels, hiding the one that expires first',
  },
  {
    reference: "cloudflare_zone_health_check_rtt_seconds",
    ours: [
      "cloudflare_zone_health_check_rtt_seconds",
      "cloudflare_zone_health_check_ttfb_seconds",
      "cloudflare_zone_health_check_tcp_connection_seconds",
      "cloudflare_zone_health_check_tls_handshake_seconds",
    ],
    change:
      "Cloudflare's mean per origin over all regions and results of the last counted minute (the same for TTFB, TCP and TLS)",
    why: "the reference grouped by status, region and failure reason without labelling them and took the max of the duplicates",
  },
  {
    reference: "cloudflare_zone_health_check_events_avg",
    ours: ["cloudflare_zone_health_check_events_avg"],
    change: "mean health-check events per origin (`origin_ip`, `fqdn`) in the last counted minute",
    why: "the reference divided by the number of rows of an unlabelled grouping, which has no stable meaning",
  },
  {
    reference: "cloudflare_zone_lb_pool_rtt_seconds",
    ours: ["cloudflare_zone_lb_pool_rtt_seconds"],
    change: "request-weighted mean over the last counted minute",
    why: "the reference took the max of rows split by unlabelled dimensions",
  },
  {
    reference: "cloudflare_zone_lb_origins_selected_count",
    ours: ["cloudflare_zone_lb_origins_selected"],
    change: "renamed; the request-weighted mean of origins selected per request in the last counted minute",
    why: "promtool rejects a `_count` suffix outside histograms and summaries; the reference took the max of duplicate rows",
  },
  {
    reference: "cloudflare_magic_transit_edge_colo_count",
    ours: ["cloudflare_magic_transit_edge_colos"],
    change: "renamed; distinct edge colo cities that checked the tunnel in the last counted minute",
    why: "promtool rejects a `_count` suffix outside histograms and summaries",
  },
  {
    reference: "cloudflare_magic_transit_active_tunnels",
    ours: [],
    change: "not exported",
    why: "Cloudflare answers zero rows when `active` is among the dimensions of magicTransitTunnelHealthChecksAdaptiveGroups, so a group selecting it would export nothing at all in production (the reference's own maintainers dropped it); tunnel state is `cloudflare_magic_transit_tunnel_state_*`",
  },
  {
    reference: "cloudflare_magic_transit_healthy_tunnels",
    ours: ["cloudflare_magic_transit_healthy_tunnels", "cloudflare_magic_transit_tunnel_failures"],
    change:
      'health checks (not tunnels) of the last counted minute, healthy or not, served also when 0; a result of "ok" or "healthy" is healthy',
    why: "the names suggest tunnel counts but the values are health-check counts; a missing 0 left an older value showing",
  },
  {
    reference: "cloudflare_logpush_failed_jobs_zone_total",
    ours: ["cloudflare_logpush_failed_jobs_zone_total", "cloudflare_logpush_lost_batches_zone_total"],
    change:
      "failed attempts as before; batches Cloudflare gave up on (`final = 1`) counted apart (also for accounts)",
    why: "a failed attempt that is retried loses nothing; the schema marks the last attempt with `final = 1`",
  },
  // The reference's newer families (its src/cloudflare/client.ts) that are not exported.
  ...notExported(
    ["visits", "edge_response_bytes", "requests"].map((m) => `cloudflare_zone_colocation_${m}_5s`),
    "gauges of one five-second bucket, rotated through storage shards and read at scrape time, are a sample, not a count: two scrapes may see the same bucket or miss one. `cloudflare_zone_colocation_*_total` counts the same requests exactly, and `rate()` over them gives the per-colo rate",
  ),
  ...notExported(
    ["magic_transit", "magic_firewall", "idps", "tcp_protection", "dns_protection"].flatMap((dataset) =>
      ["bits", "packets"].map((unit) => `cloudflare_network_analytics_${dataset}_${unit}_total`),
    ),
    "not built yet: the simulator does not model these five Network Analytics v2 datasets, and a group is only added with a test against its ground truth; each will be one file shaped like network-analytics-dosd",
  ),
  ...notExported(
    ["segments_total", "bit_rate_bps", "gop_duration_seconds", "upload_duration_ratio"].map(
      (m) => `cloudflare_stream_live_input_${m}`,
    ),
    "not built yet: liveInputEventsAdaptiveGroups is not modelled by the simulator; Stream playback (stream-playback) is",
  ),
  ...notExported(
    ["cloudflare_images_count_current", "cloudflare_images_count_allowed"],
    "not built yet: it is an account-scoped REST snapshot, and REST snapshots are zone-scoped so far",
  ),
  ...notExported(
    [
      "requests",
      "requests_by_status",
      "cache_status",
      "edge_ttfb_seconds",
      "edge_ttfb_p50_seconds",
      "edge_ttfb_p95_seconds",
      "origin_response_duration_seconds",
      "origin_response_duration_p50_seconds",
      "origin_response_duration_p95_seconds",
    ].map((m) => `cloudflare_zone_hostname_${m}`),
    "not built yet (HOST_METRICS_ALLOWLIST needs a filter taken from settings at run time); when built, request counts will be counters and the percentiles one summary per measure with a `quantile` label, not gauges of one minute and one family per percentile",
  ),
];

function notExported(references: readonly string[], why: string): ReferenceDifference[] {
  return references.map((reference) => ({ reference, ours: [], change: "not exported", why }));
}
