import { queryGroups } from "../catalogue/groups/index.ts";
import { snapshotGroups } from "../catalogue/snapshots/index.ts";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";

/**
 * Every setting of the exporter, one entry each: its environment variable, how a string
 * (from the environment or an SSM parameter) becomes a value, its default, whether a
 * runtime override may change it, and one line of description. The README's configuration
 * table is generated from this list.
 */
export interface KeySpec<T> {
  env: string;
  /** Parses the trimmed string form; its error messages name the rule that was broken. */
  schema: z.ZodMiniType<T, string>;
  /** The default. */
  defaultValue: T;
  /** The default, in the form a user would write it (which the schema parses to `defaultValue`, as a test checks). */
  fallback: string;
  /** How the type reads in the docs. */
  type: string;
  description: string;
  /**
   * Whether an SSM override may change it. Settings that open the endpoint, point the
   * exporter elsewhere or govern the reading of overrides need a deployment.
   */
  overridable: boolean;
}

/**
 * A key as declared: its schema as the function that builds it, called when a value of the
 * key is first parsed. A resolution parses only the values the environment and the
 * overrides set (a default is already a value), and a deployment sets few or none: built at
 * every cold start, the schemas of all keys were the largest part of a bundle's import.
 */
type KeyDeclaration<T> = Omit<KeySpec<T>, "schema" | "defaultValue" | "fallback"> & {
  schema: () => z.ZodMiniType<T, string>;
  defaultValue: NoInfer<T>;
};

const key = <T>(declaration: KeyDeclaration<T>): KeySpec<T> => {
  const schema = once(declaration.schema);
  return {
    ...declaration,
    fallback: writtenForm(declaration.defaultValue),
    get schema() {
      return schema();
    },
  };
};

/** A default as a user would write it: lists comma-separated, the empty list empty. */
function writtenForm(value: unknown): string {
  return Array.isArray(value) ? value.join(",") : String(value);
}

/** The endpoint's own routes besides the metrics (`/` is refused as an empty segment). */
const reservedPaths = ["/health", "/config"];

/**
 * The string form every key parses from, one schema for all of them. Each key's rules are
 * one transform on it rather than a chain of zod checks: a zod schema costs some 15 µs to
 * build, and every cold start builds every key's (each resolution parses every default).
 */
const text = once(() => z.string());

const truthy = ["true", "1", "yes", "on"];
const falsy = ["false", "0", "no", "off"];
/** Spelled-out booleans: "false" is false (a common exporter bug reads it as true). */
const boolean = once(() =>
  z.pipe(
    z
      .pipe(
        text(),
        z.transform((value) => value.toLowerCase()),
      )
      .check(
        z.refine((value) => truthy.includes(value) || falsy.includes(value), {
          message: `must be one of ${[...truthy, ...falsy].join(", ")}`,
        }),
      ),
    z.transform((value) => truthy.includes(value)),
  ),
);

/** A number's rules, checked in order; the first one broken is the only one reported. */
interface NumberRules {
  min: number;
  max: number;
  unit: string;
  /** Whole minutes only (a value in seconds). */
  minutes?: boolean;
}

function brokenNumberRule(value: number, rules: NumberRules): string | undefined {
  if (value < rules.min) return `must be at least ${rules.min}${rules.unit}`;
  if (value > rules.max) return `must be at most ${rules.max}${rules.unit}`;
  if (rules.minutes && value % 60 !== 0) return "must be a whole number of minutes";
  return undefined;
}

const wholeNumber = (rules: NumberRules) =>
  z.pipe(
    text(),
    z.transform((raw: string, ctx) => {
      const broken = /^-?\d+$/.test(raw) ? brokenNumberRule(Number(raw), rules) : "must be a whole number";
      if (broken === undefined) return Number(raw);
      ctx.issues.push({ code: "custom", message: broken, input: raw });
      return z.NEVER;
    }),
  );

const integer = (min: number, max: number, unit = "") => wholeNumber({ min, max, unit });

const wholeMinutes = (min: number, max: number) => wholeNumber({ min, max, unit: " seconds", minutes: true });

const list = once(() =>
  z.pipe(
    text(),
    z.transform((value) =>
      value
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  ),
);
const idList = once(() =>
  z.pipe(
    list(),
    z.array(
      z.string().check(z.regex(/^[0-9a-f]{32}$/, "each entry must be a 32-character hex Cloudflare ID")),
    ),
  ),
);
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.pipe(
    text(),
    z.transform((raw: string, ctx): T[number] => {
      const value = raw.toLowerCase();
      if (values.includes(value)) return value;
      ctx.issues.push({ code: "custom", message: `must be one of ${values.join(", ")}`, input: raw });
      return z.NEVER;
    }),
  );

/** Cloudflare's GraphQL budget per token in any 5 minutes (and per account under account-based rate limiting, by default). */
const tokenGraphqlMaxPer5Minutes = 300;
/** Enterprise's account-based budget: 15 requests a second per account, 4,500 in any 5 minutes. */
const accountGraphqlMaxPer5Minutes = 4_500;

/** The reference's limit: every listed host is a series of each per-hostname family, in every zone. */
const maxHostMetricsHosts = 50;
/** Letters, digits and hyphens in dot-separated labels (no wildcard: Cloudflare matches hosts exactly). */
const hostname =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

export const groupNames = [...queryGroups, ...snapshotGroups].map((group) => group.name);

export const configKeys = {
  cloudflareApiBaseUrl: key({
    env: "CLOUDFLARE_API_BASE_URL",
    schema: () => z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
    defaultValue: "https://api.cloudflare.com/client/v4",
    type: "URL",
    description: "Cloudflare API base URL; GraphQL is `{base}/graphql`",
    overridable: false,
  }),
  scrapeDelaySeconds: key({
    env: "SCRAPE_DELAY_SECONDS",
    schema: () => wholeMinutes(60, 3_600),
    defaultValue: 300,
    type: "seconds (whole minutes, 60–3600)",
    description: "Minutes newer than this are not counted yet, because Cloudflare's buckets still settle",
    overridable: true,
  }),
  timeWindowSeconds: key({
    env: "TIME_WINDOW_SECONDS",
    schema: () => wholeMinutes(60, 3_600),
    defaultValue: 60,
    type: "seconds (whole minutes, 60–3600)",
    description:
      "Counting advances in steps of this width, aligned to the epoch (a step is counted once all of it has settled)",
    overridable: true,
  }),
  metricRefreshIntervalSeconds: key({
    env: "METRIC_REFRESH_INTERVAL_SECONDS",
    schema: () => wholeMinutes(60, 3_600),
    defaultValue: 60,
    type: "seconds (whole minutes, 60–3600)",
    description:
      "How often accounts are collected; scheduled runs between two refreshes (aligned to the epoch) do nothing",
    overridable: true,
  }),
  initialLookbackSeconds: key({
    env: "INITIAL_LOOKBACK_SECONDS",
    schema: () => integer(0, 2_678_400, " seconds"),
    defaultValue: 3_600,
    type: "seconds (0–2678400)",
    description: "How far back counting starts the first time a zone is seen",
    overridable: true,
  }),
  queryLimit: key({
    env: "QUERY_LIMIT",
    schema: () => integer(1, 10_000),
    defaultValue: 10_000,
    type: "integer (1–10000)",
    description: "Rows per GraphQL node per query; results that reach it are fetched again in smaller pieces",
    overridable: true,
  }),
  accountListCacheTtlSeconds: key({
    env: "ACCOUNT_LIST_CACHE_TTL_SECONDS",
    schema: () => integer(0, 86_400, " seconds"),
    defaultValue: 600,
    type: "seconds (0–86400)",
    description: "How long the account list is reused before it is fetched again",
    overridable: true,
  }),
  zoneListCacheTtlSeconds: key({
    env: "ZONE_LIST_CACHE_TTL_SECONDS",
    schema: () => integer(0, 86_400, " seconds"),
    defaultValue: 1_800,
    type: "seconds (0–86400)",
    description: "How long each account's zone list and dataset settings are reused",
    overridable: true,
  }),
  // The reference's environment name, kept; it governs every REST snapshot, not only certificates.
  snapshotRefreshSeconds: key({
    env: "SSL_CERTS_CACHE_TTL_SECONDS",
    schema: () => integer(0, 86_400, " seconds"),
    defaultValue: 1_800,
    type: "seconds (0–86400)",
    description:
      "How often each zone's REST snapshots (certificates, load-balancer pool weights) are taken again",
    overridable: true,
  }),
  healthCheckCacheTtlSeconds: key({
    env: "HEALTH_CHECK_CACHE_TTL_SECONDS",
    schema: () => integer(0, 300, " seconds"),
    defaultValue: 10,
    type: "seconds (0–300)",
    description: "How long one container reuses the state read for `/health`",
    overridable: true,
  }),
  seriesIdleExpirySeconds: key({
    env: "SERIES_IDLE_EXPIRY_SECONDS",
    schema: () => integer(3_600, 31_536_000, " seconds"),
    defaultValue: 604_800,
    type: "seconds (3600–31536000)",
    description: "A series with no data for this long is dropped from state",
    overridable: true,
  }),
  maxSeriesPerFamily: key({
    env: "MAX_SERIES_PER_FAMILY",
    schema: () => integer(1, 1_000_000),
    defaultValue: 5_000,
    type: "integer (1–1000000)",
    description:
      "Most series one metric family may hold per zone (or account); samples of further new series are dropped and counted in `cloudflare_exporter_dropped_samples_total`",
    overridable: true,
  }),
  maxDatasetsPerRequest: key({
    env: "GRAPHQL_MAX_DATASETS_PER_REQUEST",
    schema: () => integer(1, 100),
    defaultValue: 100,
    type: "integer (1–100)",
    description:
      'Most query groups (dataset nodes) sent in one GraphQL request; lower it if Cloudflare answers "too many nodes, zones and accounts"',
    overridable: true,
  }),
  zonesPerWorkItem: key({
    env: "ZONES_PER_WORK_ITEM",
    schema: () => integer(10, 1_000),
    defaultValue: 100,
    type: "integer (10–1000)",
    description:
      "Most zones one fetcher invocation collects: a larger account is split into several work items that the state machine's Map runs side by side",
    overridable: true,
  }),
  graphqlCeilingProbeSeconds: key({
    env: "GRAPHQL_CEILING_PROBE_SECONDS",
    schema: () => integer(300, 604_800, " seconds"),
    defaultValue: 3_600,
    type: "seconds (300–604800)",
    description:
      'After Cloudflare refused a request as too large ("too many nodes, zones and accounts"), how long the size that worked is kept before a larger one is tried again',
    overridable: true,
  }),
  unavailableRetrySeconds: key({
    env: "UNAVAILABLE_RETRY_SECONDS",
    schema: () => integer(60, 86_400, " seconds"),
    defaultValue: 3_600,
    type: "seconds (60–86400)",
    description:
      "How long a dataset or field Cloudflare refused for a zone or account (plan, entitlement, token permission) is left alone before it is tried again",
    overridable: true,
  }),
  cfAccounts: key({
    env: "CF_ACCOUNTS",
    schema: idList,
    defaultValue: [],
    type: "comma-separated IDs",
    description:
      "Account IDs to collect (all visible accounts when empty; required for account-owned tokens)",
    overridable: true,
  }),
  cfZones: key({
    env: "CF_ZONES",
    schema: idList,
    defaultValue: [],
    type: "comma-separated IDs",
    description: "Zone IDs to collect (all zones when empty)",
    overridable: true,
  }),
  cfFreeTierAccounts: key({
    env: "CF_FREE_TIER_ACCOUNTS",
    schema: idList,
    defaultValue: [],
    type: "comma-separated IDs",
    description: "Accounts whose zones are not queried at all (only account-level data is collected)",
    overridable: true,
  }),
  queryGroups: key({
    env: "QUERY_GROUPS",
    schema: () =>
      z.pipe(
        list(),
        z.array(
          z.enum(groupNames as [string, ...string[]], {
            error: `each entry must be one of ${groupNames.join(", ")}`,
          }),
        ),
      ),
    defaultValue: [],
    type: "comma-separated names",
    description: "Query groups to collect (all when empty)",
    overridable: true,
  }),
  requestTimeoutMs: key({
    env: "CLOUDFLARE_REQUEST_TIMEOUT_MS",
    schema: () => integer(100, 120_000, " ms"),
    defaultValue: 20_000,
    type: "milliseconds (100–120000)",
    description: "Timeout of each Cloudflare API call",
    overridable: true,
  }),
  maxAttempts: key({
    env: "CLOUDFLARE_MAX_ATTEMPTS",
    schema: () => integer(1, 10),
    defaultValue: 3,
    type: "integer (1–10)",
    description: "Attempts for a Cloudflare call that failed transiently (5xx, timeout, malformed answer)",
    overridable: true,
  }),
  graphqlRequestsPer5Minutes: key({
    env: "GRAPHQL_REQUESTS_PER_5_MINUTES",
    schema: () => integer(1, accountGraphqlMaxPer5Minutes),
    defaultValue: 250,
    type: "integer (1–4500; above 300 only with `GRAPHQL_ACCOUNT_BASED_RATE_LIMITING`)",
    description:
      "GraphQL calls all fetchers of one token together may make in any 5 minutes (Cloudflare allows 300 per token); with `GRAPHQL_ACCOUNT_BASED_RATE_LIMITING`, of one account (Cloudflare allows 300 per account, Enterprise 4,500)",
    overridable: true,
  }),
  accountBasedRateLimiting: key({
    env: "GRAPHQL_ACCOUNT_BASED_RATE_LIMITING",
    schema: boolean,
    defaultValue: false,
    type: "boolean",
    description:
      "Ask Cloudflare for account-based rate limiting (`X-Rate-Limit-Type: account-based`): each account has its own GraphQL budget instead of one per token, so `GRAPHQL_REQUESTS_PER_5_MINUTES` applies to each account, zone lists are sent inside their account, and widening is sized per account",
    overridable: true,
  }),
  restRequestsPer5Minutes: key({
    env: "REST_REQUESTS_PER_5_MINUTES",
    schema: () => integer(1, 1_200),
    defaultValue: 1_000,
    type: "integer (1–1200)",
    description:
      "REST calls all fetchers of one token together may make in any 5 minutes (Cloudflare allows 1,200 per token)",
    overridable: true,
  }),
  logLevel: key({
    env: "LOG_LEVEL",
    schema: () => oneOf(["debug", "info", "warn", "error"]),
    defaultValue: "info",
    type: "debug, info, warn, error",
    description: "Least severe log level written",
    overridable: true,
  }),
  logFormat: key({
    env: "LOG_FORMAT",
    schema: () => oneOf(["json", "pretty"]),
    defaultValue: "json",
    type: "json, pretty",
    description: "JSON lines (for CloudWatch Logs Insights) or one readable line per event",
    overridable: true,
  }),
  metricsPath: key({
    env: "METRICS_PATH",
    schema: () =>
      z
        .string()
        .check(z.regex(/^\/[A-Za-z0-9._~/-]*$/, "must be a path starting with /"))
        // One spelling per route: no empty, `.` or `..` segment, and none of the other routes.
        .check(
          z.refine(
            (path) =>
              path
                .slice(1)
                .split("/")
                .every((segment) => !["", ".", ".."].includes(segment)),
            "must be a normal path: no empty, . or .. segment, no trailing /",
          ),
          z.refine((path) => !reservedPaths.includes(path), "must not be /health or /config"),
        ),
    defaultValue: "/metrics",
    type: "path",
    description: "Path of the metrics endpoint",
    overridable: true,
  }),
  metricsDenylist: key({
    env: "METRICS_DENYLIST",
    schema: () =>
      z.pipe(
        list(),
        z.array(
          z.string().check(z.regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "each entry must be a metric family name")),
        ),
      ),
    defaultValue: [],
    type: "comma-separated names",
    description: "Metric families to leave out of the output (they are still collected)",
    overridable: true,
  }),
  excludeHost: key({
    env: "EXCLUDE_HOST",
    schema: boolean,
    defaultValue: false,
    type: "boolean",
    description:
      "Drop the `host` label before counting, adding up series that differed only by host (changing it starts new series)",
    overridable: true,
  }),
  httpStatusGroup: key({
    env: "CF_HTTP_STATUS_GROUP",
    schema: boolean,
    defaultValue: false,
    type: "boolean",
    description:
      "Count HTTP status codes as classes (`2xx`, `4xx`, …) instead of single codes (changing it starts new series)",
    overridable: true,
  }),
  hostMetricsAllowlist: key({
    env: "HOST_METRICS_ALLOWLIST",
    schema: () =>
      z.pipe(
        list(),
        z.pipe(
          z
            .array(
              z.pipe(
                z.pipe(
                  z.string(),
                  z.transform((host) => host.toLowerCase()),
                ),
                z.string().check(z.regex(hostname, "each entry must be a hostname such as www.example.com")),
              ),
            )
            .check(z.maxLength(maxHostMetricsHosts, `must list at most ${maxHostMetricsHosts} hosts`)),
          z.transform((hosts) => [...new Set(hosts)]),
        ),
      ),
    defaultValue: [],
    type: `comma-separated hostnames (≤ ${maxHostMetricsHosts})`,
    description:
      "Hosts whose requests, cache statuses and latency are exported per hostname (`cloudflare_zone_hostname_*`); none when empty or when EXCLUDE_HOST is set",
    overridable: true,
  }),
  healthMaxAgeSeconds: key({
    env: "HEALTH_MAX_AGE_SECONDS",
    schema: () => integer(120, 86_400, " seconds"),
    defaultValue: 900,
    type: "seconds (120–86400)",
    description: "`/health` answers 503 when any zone's newest counted minute is older than this",
    overridable: true,
  }),
  disableUi: key({
    env: "DISABLE_UI",
    schema: boolean,
    defaultValue: false,
    type: "boolean",
    description: "Turn off the status page at `/`",
    overridable: true,
  }),
  disableConfigApi: key({
    env: "DISABLE_CONFIG_API",
    schema: boolean,
    defaultValue: false,
    type: "boolean",
    description: "Turn off `GET /config` (the effective settings and their sources)",
    overridable: false,
  }),
  metricsAuth: key({
    env: "METRICS_AUTH",
    schema: () => oneOf(["required", "iam", "disabled"]),
    defaultValue: "required",
    type: "required, iam, disabled",
    description:
      "`required`: scrapes need the bearer token or basic credentials; `iam`: the Function URL checks signed requests; `disabled`: open",
    overridable: false,
  }),
  configCacheTtlSeconds: key({
    env: "CONFIG_CACHE_TTL_SECONDS",
    schema: () => integer(0, 3_600, " seconds"),
    defaultValue: 60,
    type: "seconds (0–3600)",
    description: "How long a container reuses the SSM overrides before reading them again",
    overridable: false,
  }),
  remoteWriteUrl: key({
    env: "REMOTE_WRITE_URL",
    schema: () => z.union([z.literal(""), z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })]),
    defaultValue: "",
    type: "URL",
    description:
      "Prometheus remote-write endpoint (an AMP workspace's `.../api/v1/remote_write`) that receives every newly counted minute at its own timestamp; empty: no push",
    overridable: false,
  }),
  remoteWriteAuth: key({
    env: "REMOTE_WRITE_AUTH",
    schema: () => oneOf(["sigv4", "bearer", "basic", "none"]),
    defaultValue: "sigv4",
    type: "sigv4, bearer, basic, none",
    description:
      "How pushes authenticate: `sigv4` (AMP, the function's role), `bearer` or `basic` (from `REMOTE_WRITE_CREDENTIALS_SECRET_ARN`), `none`",
    overridable: false,
  }),
  remoteWriteRegion: key({
    env: "REMOTE_WRITE_REGION",
    schema: () =>
      z.string().check(z.regex(/^([a-z]{2}(-[a-z]+)+-\d)?$/, "must be an AWS region such as eu-west-1")),
    defaultValue: "",
    type: "AWS region",
    description: "Region SigV4 signs for; empty: the function's own region",
    overridable: false,
  }),
  remoteWriteMaxSamplesPerRequest: key({
    env: "REMOTE_WRITE_MAX_SAMPLES_PER_REQUEST",
    schema: () => integer(1, 50_000),
    defaultValue: 2_000,
    type: "integer (1–50000)",
    description: "Most samples in one remote-write request (AMP accepts at most a few thousand)",
    overridable: true,
  }),
  remoteWriteWindowSeconds: key({
    env: "REMOTE_WRITE_WINDOW_SECONDS",
    schema: () => wholeMinutes(60, 86_400),
    defaultValue: 3_000,
    type: "seconds (whole minutes, 60–86400)",
    description:
      "Oldest sample age the receiver accepts (AMP: under an hour); older samples are folded into the series' next one and counted in `cloudflare_exporter_remote_write_folded_seconds_total`",
    overridable: true,
  }),
};

export type ConfigKey = keyof typeof configKeys;
export type Config = {
  [K in ConfigKey]: (typeof configKeys)[K] extends KeySpec<infer T> ? T : never;
};
export const keyNames = Object.keys(configKeys) as ConfigKey[];

/** Rules between settings, checked on the combined result. */
export interface CrossFieldRule {
  keys: ConfigKey[];
  holds: (config: Config) => boolean;
  message: string;
}

export const crossFieldRules: CrossFieldRule[] = [
  {
    keys: ["graphqlRequestsPer5Minutes", "accountBasedRateLimiting"],
    holds: (c) => c.accountBasedRateLimiting || c.graphqlRequestsPer5Minutes <= tokenGraphqlMaxPer5Minutes,
    message:
      "GRAPHQL_REQUESTS_PER_5_MINUTES above 300 needs GRAPHQL_ACCOUNT_BASED_RATE_LIMITING: Cloudflare allows 300 per token, and up to 4,500 per account (Enterprise) only with account-based rate limiting",
  },
  {
    keys: ["scrapeDelaySeconds", "timeWindowSeconds"],
    holds: (c) => c.scrapeDelaySeconds >= c.timeWindowSeconds,
    message: "SCRAPE_DELAY_SECONDS must not be shorter than TIME_WINDOW_SECONDS",
  },
  {
    keys: ["healthMaxAgeSeconds", "scrapeDelaySeconds", "timeWindowSeconds", "metricRefreshIntervalSeconds"],
    holds: (c) =>
      c.healthMaxAgeSeconds > c.scrapeDelaySeconds + c.timeWindowSeconds + c.metricRefreshIntervalSeconds,
    message:
      "HEALTH_MAX_AGE_SECONDS must exceed SCRAPE_DELAY_SECONDS + TIME_WINDOW_SECONDS + METRIC_REFRESH_INTERVAL_SECONDS, or /health is never healthy",
  },
];
