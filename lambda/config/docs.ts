import { type Config, environmentNames, loadConfig } from "./config.ts";

/** One line per setting, for the README's configuration table (a test keeps the two equal). */
export const descriptions: Record<keyof Config, string> = {
  cloudflareApiBaseUrl: "Cloudflare API base URL; GraphQL is `{base}/graphql`",
  scrapeDelaySeconds:
    "Minutes newer than this are not counted yet (Cloudflare's buckets settle); whole minutes",
  initialLookbackSeconds: "How far back counting starts the first time a zone is seen",
  queryLimit: "Rows per GraphQL node per query; results that reach it are fetched again in smaller pieces",
  accountListCacheTtlSeconds: "How long the account list is reused before it is fetched again",
  zoneListCacheTtlSeconds: "How long each account's zone list and dataset settings are reused",
  seriesIdleExpirySeconds: "A series with no data for this long is dropped from state",
  cfAccounts:
    "Comma-separated account IDs to collect (all visible accounts when empty; required for account-owned tokens)",
  cfZones: "Comma-separated zone IDs to collect (all zones when empty)",
  requestTimeoutMs: "Timeout of each Cloudflare API call",
  maxAttempts: "Attempts for a Cloudflare call that failed transiently (5xx, timeout, malformed answer)",
  graphqlRequestsPer5Minutes:
    "GraphQL calls one fetcher run may make in any 5 minutes (Cloudflare allows 300 per token)",
  restRequestsPer5Minutes:
    "REST calls one fetcher run may make in any 5 minutes (Cloudflare allows 1,200 per token)",
  logJson: "Log as JSON lines",
  metricsPath: "Path of the metrics endpoint",
  metricsDenylist: "Comma-separated metric families to leave out of the output (they are still collected)",
  excludeHost: "Drop the `host` label, adding up series that differed only by host",
  httpStatusGroup: "Report HTTP status codes as classes (`2xx`, `4xx`, …) instead of single codes",
  disableUi: "Turn off the status page at `/`",
  healthMaxAgeSeconds: "`/health` answers 503 when any zone's newest counted minute is older than this",
};

export function configTable(): string {
  const defaults = loadConfig({});
  const rows = (Object.keys(environmentNames) as (keyof Config)[]).map((key) => {
    const value = defaults[key];
    const shown = Array.isArray(value) ? (value.length === 0 ? "(empty)" : value.join(",")) : String(value);
    return `| \`${environmentNames[key]}\` | \`${shown}\` | ${descriptions[key]} |`;
  });
  return ["| Environment variable | Default | Meaning |", "|---|---|---|", ...rows].join("\n");
}
