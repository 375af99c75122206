/**
 * What the stack costs a month at AWS list prices (us-east-1), from operations the bench
 * measured. Prices and their dates are printed in docs/benchmarks.md beside the figures.
 */
export const prices = {
  /** DynamoDB on demand, per million write request units (after the November 2024 cut). */
  dynamoWritePerMillion: 0.625,
  /** DynamoDB on demand, per million read request units. */
  dynamoReadPerMillion: 0.125,
  /** DynamoDB standard table storage, per GB-month (first 25 GB free; not counted here). */
  dynamoStoragePerGbMonth: 0.25,
  /** Step Functions Express, per million executions. */
  expressPerMillion: 1,
  /** Step Functions Express duration, per GB-second, billed per 64 MB and 100 ms. */
  expressPerGbSecond: 0.00001667,
  /** Lambda arm64, per million requests and per GB-second. */
  lambdaPerMillion: 0.2,
  lambdaPerGbSecond: 0.0000133334,
  /** EventBridge Scheduler, per million invocations (the first 14 million a month are free). */
  schedulerPerMillion: 1,
  secretPerMonth: 0.4,
  alarmPerMonth: 0.1,
  dashboardPerMonth: 3,
  customMetricPerMonth: 0.3,
  /**
   * AWS KMS, per customer-managed key-month: the alarm topic's key in its first year. Its
   * yearly rotation adds $1 a month at each of the first two rotations (capped since May 2024).
   */
  kmsKeyPerMonth: 1,
} as const;

export const minutesPerMonth = 30 * 24 * 60;

/**
 * Hours an execution environment lives while its function is invoked every minute. AWS
 * Lambda keeps an environment for the next invocation and "terminates execution
 * environments every few hours to allow for runtime updates and maintenance, even for
 * functions that are invoked continuously" (Lambda developer guide, "Understanding the
 * Lambda execution environment lifecycle"). Priced at one hour, below the low end of that.
 */
export const environmentHours = 1;

/**
 * The share of minutes whose fetcher finds the slices it wrote still held by its container
 * (lambda/store/slice-cache.ts) and whose scrape finds the account held (lambda/serve/
 * scrape-cache.ts); the others read and decode every slice.
 *
 * The bench's accounts (10 and 100 zones, at most `ZONES_PER_WORK_ITEM` = 100) are one work
 * item a minute: a run of seconds, so one invocation never overlaps the next and each
 * meets the environment the last one left, until Lambda replaces it (`environmentHours`).
 * One Prometheus scraping every minute meets its environment the same way, and every
 * `coldEvery + 1`-th scrape reads the account whole anyway.
 *
 * What this does not cover: an account of more than one work item (its items run side by
 * side and each lands on any warm environment, so a share of about one in the number of
 * items), several Prometheus servers, deployments. A deployment measures its own share
 * from the fetcher's run lines and the scrape's log lines (docs/deploy.md, "How often the
 * state is held"); `halfWarm` prices every other minute cold, the bound the bench priced
 * before, printed beside.
 */
export interface WarmShares {
  fetcher: number;
  scrape: number;
}
export const warmShares = (coldEvery: number): WarmShares => {
  const fetcher = 1 - 1 / (environmentHours * 60);
  return { fetcher, scrape: (fetcher * coldEvery) / (coldEvery + 1) };
};
export const halfWarm: WarmShares = { fetcher: 0.5, scrape: 0.5 };

export interface MinuteOperations {
  writeUnits: number;
  /** The fetcher's reads, and one scrape's (warm and cold minutes at their share). */
  readUnits: number;
  scrapeReadUnits: number;
  /** Lambda time in one minute: each function's milliseconds and memory. */
  lambda: { ms: number; memoryMb: number }[];
  /** The Express execution's duration (discovery and the fetchers, which run in parallel). */
  executionMs: number;
  storedBytes: number;
}

/**
 * A Lambda's billed time from what the bench measures: its CPU time on a full core,
 * stretched by the share of a core its memory buys (1,769 MB is one vCPU), plus the
 * time it waits on Cloudflare (`rounds` × `requestLatencyMs`). A round is the requests in
 * flight together (bench/collect.ts counts one each time a request starts while none is in
 * flight): a fetcher run keeps up to four GraphQL requests in flight, so it waits about
 * one latency per round, not per request.
 */
export const requestLatencyMs = 250;
export function lambdaMs(cpuMs: number, memoryMb: number, rounds = 0): number {
  return cpuMs * Math.max(1, 1769 / memoryMb) + rounds * requestLatencyMs;
}

/** Costs that grow with zones and minutes: Scheduler, Step Functions, Lambda, DynamoDB. */
export function monthlyUsd(ops: MinuteOperations): { total: number; parts: Record<string, number> } {
  const m = minutesPerMonth;
  const parts = {
    scheduler: (m / 1e6) * prices.schedulerPerMillion,
    stepFunctions:
      (m / 1e6) * prices.expressPerMillion +
      m * Math.ceil(ops.executionMs / 100) * 0.1 * (64 / 1024) * prices.expressPerGbSecond,
    lambda: ops.lambda.reduce(
      (sum, fn) =>
        sum +
        (m / 1e6) * prices.lambdaPerMillion +
        m * Math.ceil(fn.ms) * 0.001 * (fn.memoryMb / 1024) * prices.lambdaPerGbSecond,
      0,
    ),
    dynamoWrites: ((ops.writeUnits * m) / 1e6) * prices.dynamoWritePerMillion,
    dynamoReads: (((ops.readUnits + ops.scrapeReadUnits) * m) / 1e6) * prices.dynamoReadPerMillion,
    dynamoStorage: (ops.storedBytes / 1024 ** 3) * prices.dynamoStoragePerGbMonth,
  };
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

/** Costs that do not grow: secrets, alarms, the dashboard, the alarm topic's KMS key, custom metrics. */
export function fixedMonthlyUsd(counts: {
  secrets: number;
  alarms: number;
  dashboards: number;
  kmsKeys: number;
  customMetrics: number;
}): { total: number; parts: Record<keyof typeof counts, number> } {
  const parts = {
    secrets: counts.secrets * prices.secretPerMonth,
    alarms: counts.alarms * prices.alarmPerMonth,
    dashboards: counts.dashboards * prices.dashboardPerMonth,
    kmsKeys: counts.kmsKeys * prices.kmsKeyPerMonth,
    customMetrics: counts.customMetrics * prices.customMetricPerMonth,
  };
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}
