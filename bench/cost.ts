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
 * The share of minutes whose fetcher finds the slices it wrote still held by its container
 * (lambda/store/slice-cache.ts); the others read and decode every slice. One account's single
 * work item a minute meets the same warm container nearly always, but Step Functions' Map
 * sends each item to any warm container, containers are recycled, and several work items
 * share containers at random: priced pessimistically, as one minute in two. The scrape is
 * priced with the same share (lambda/serve/scrape-cache.ts): a warm serve container reads
 * each slice's next delta, a cold one every item. A deployment measures its own share from
 * the fetcher's run lines and the scrape's log lines (docs/deploy.md, "How often the state
 * is held").
 */
export const warmShare = 0.5;

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
