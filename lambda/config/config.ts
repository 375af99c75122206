import { z } from "zod";

/**
 * The exporter's settings, resolved from the environment with documented defaults.
 * Every part of the system reads settings through `loadConfig`; runtime overrides (SSM)
 * are a later layer on top of this same schema.
 */

/** Environment booleans are spelled out: "false" is false (a common exporter bug). */
const envBoolean = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => ["true", "1", "yes"].includes(v));
const seconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const commaList = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean),
);
const idList = commaList.pipe(
  z.array(z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character hex Cloudflare ID")),
);

export const configSchema = z
  .object({
    cloudflareApiBaseUrl: z.url().default("https://api.cloudflare.com/client/v4"),
    /** Seconds Cloudflare's buckets need to settle; minutes newer than now − delay are not counted yet. */
    scrapeDelaySeconds: seconds(60, 3_600).default(300),
    /** How far back counting starts the first time a zone is seen. */
    initialLookbackSeconds: seconds(0, 2_678_400).default(3_600),
    queryLimit: z.coerce.number().int().min(1).max(10_000).default(10_000),
    accountListCacheTtlSeconds: seconds(0, 86_400).default(600),
    zoneListCacheTtlSeconds: seconds(0, 86_400).default(1_800),
    /** A series with no data for this long is dropped from state (its counter stops being exported). */
    seriesIdleExpirySeconds: seconds(3_600, 31_536_000).default(604_800),
    cfAccounts: idList.default([]),
    cfZones: idList.default([]),
    /** Per-call timeout for Cloudflare requests. */
    requestTimeoutMs: z.coerce.number().int().min(100).max(120_000).default(20_000),
    /** Attempts for a Cloudflare call that failed transiently (5xx, timeout, malformed body). */
    maxAttempts: z.coerce.number().int().min(1).max(10).default(3),
    /** GraphQL requests one fetcher run may make per 5 minutes (Cloudflare allows 300 per token). */
    graphqlRequestsPer5Minutes: z.coerce.number().int().min(1).max(300).default(250),
    restRequestsPer5Minutes: z.coerce.number().int().min(1).max(1_200).default(1_000),
    logJson: envBoolean.default(true),
    metricsPath: z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*$/, "must be a path starting with /")
      .default("/metrics"),
    /** Metric families left out of the output (still collected). */
    metricsDenylist: commaList.default([]),
    /** Drop the `host` label, adding up series that differed only by host. */
    excludeHost: envBoolean.default(false),
    /** Report HTTP status codes as classes (2xx, 4xx, ...) instead of single codes. */
    httpStatusGroup: envBoolean.default(false),
    disableUi: envBoolean.default(false),
    /** /health turns unhealthy when the freshest counted minute of any zone is older than this. */
    healthMaxAgeSeconds: seconds(120, 86_400).default(900),
  })
  .refine((c) => c.scrapeDelaySeconds % 60 === 0, {
    message: "SCRAPE_DELAY_SECONDS must be a whole number of minutes",
    path: ["scrapeDelaySeconds"],
  });
export type Config = z.output<typeof configSchema>;

/** Environment variable for each key (the reference exporter's names where it has one). */
export const environmentNames: Record<keyof Config, string> = {
  cloudflareApiBaseUrl: "CLOUDFLARE_API_BASE_URL",
  scrapeDelaySeconds: "SCRAPE_DELAY_SECONDS",
  initialLookbackSeconds: "INITIAL_LOOKBACK_SECONDS",
  queryLimit: "QUERY_LIMIT",
  accountListCacheTtlSeconds: "ACCOUNT_LIST_CACHE_TTL_SECONDS",
  zoneListCacheTtlSeconds: "ZONE_LIST_CACHE_TTL_SECONDS",
  seriesIdleExpirySeconds: "SERIES_IDLE_EXPIRY_SECONDS",
  cfAccounts: "CF_ACCOUNTS",
  cfZones: "CF_ZONES",
  requestTimeoutMs: "CLOUDFLARE_REQUEST_TIMEOUT_MS",
  maxAttempts: "CLOUDFLARE_MAX_ATTEMPTS",
  graphqlRequestsPer5Minutes: "GRAPHQL_REQUESTS_PER_5_MINUTES",
  restRequestsPer5Minutes: "REST_REQUESTS_PER_5_MINUTES",
  logJson: "LOG_JSON",
  metricsPath: "METRICS_PATH",
  metricsDenylist: "METRICS_DENYLIST",
  excludeHost: "EXCLUDE_HOST",
  httpStatusGroup: "CF_HTTP_STATUS_GROUP",
  disableUi: "DISABLE_UI",
  healthMaxAgeSeconds: "HEALTH_MAX_AGE_SECONDS",
};

export class ConfigError extends Error {}

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const raw: Record<string, string> = {};
  for (const [key, name] of Object.entries(environmentNames)) {
    const value = env[name];
    if (value !== undefined && value.trim() !== "") raw[key] = value.trim();
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "");
      const name = environmentNames[key as keyof Config] ?? key;
      return `${name}=${JSON.stringify(raw[key] ?? "")}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${details.join("; ")}`);
  }
  return parsed.data;
}
