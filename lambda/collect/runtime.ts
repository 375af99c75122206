import { queryGroups } from "../catalogue/groups/index.ts";
import type { AnyQueryGroup } from "../catalogue/query-group.ts";
import type { SnapshotGroup } from "../catalogue/snapshot-group.ts";
import { snapshotGroups } from "../catalogue/snapshots/index.ts";
import { CloudflareGraphqlClient } from "../cloudflare/graphql-client.ts";
import { CloudflareRestClient } from "../cloudflare/rest-client.ts";
import type { Config } from "../config/config.ts";
import type { Logger } from "../lib/log.ts";
import { type Clock, realSleep, type Sleep } from "../lib/time.ts";
import { tokenDigest } from "../store/budget.ts";
import type { Store } from "../store/table.ts";
import type { ApiStats, FetchDeps } from "./fetch-account.ts";
import type { PushAfterRun } from "./run-types.ts";
import { type PrepaidCalls, SharedBudget } from "./shared-budget.ts";

export interface RuntimeOptions {
  config: Config;
  token: string;
  store: Store;
  clock: Clock;
  logger: Logger;
  sleep?: Sleep;
  random?: () => number;
  fetch?: typeof fetch;
  groups?: readonly AnyQueryGroup[];
  snapshots?: readonly SnapshotGroup[];
  /** Longest a call waits for the rate limiter before its work is left to the next run. */
  maxLimiterWaitMs?: number;
  /** Sends what each run's writes advanced (lambda/push); absent: no push. */
  push?: PushAfterRun;
}

/**
 * Wires the clients (one budget per token and API, shared by every fetcher through DynamoDB;
 * for GraphQL under account-based rate limiting, one per account) and the store.
 */
export function createRuntime(options: RuntimeOptions): FetchDeps {
  const { config, clock } = options;
  const sleep = options.sleep ?? realSleep;
  const stats: ApiStats = { graphqlRequests: 0, restRequests: 0, rateLimitEvents: 0 };
  const retry = {
    maxAttempts: config.maxAttempts,
    baseDelayMs: 500,
    sleep,
    random: options.random ?? Math.random,
  };
  const common = {
    baseUrl: config.cloudflareApiBaseUrl,
    token: options.token,
    timeoutMs: config.requestTimeoutMs,
    retry,
    maxLimiterWaitMs: options.maxLimiterWaitMs ?? 5_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    onRateLimited: () => {
      stats.rateLimitEvents += 1;
    },
  };
  const budget = sharedBudgets(options, sleep);
  return {
    config,
    clock,
    logger: options.logger,
    store: options.store,
    stats,
    ...(options.push ? { push: options.push } : {}),
    groups: withSettings(options.groups ?? queryGroups, config).filter(
      (group) => config.queryGroups.length === 0 || config.queryGroups.includes(group.name),
    ),
    snapshots: (options.snapshots ?? snapshotGroups).filter(
      (group) => config.queryGroups.length === 0 || config.queryGroups.includes(group.name),
    ),
    graphql: new CloudflareGraphqlClient({
      ...common,
      limiter: budget("graphql", config.graphqlRequestsPer5Minutes),
      // Account-based rate limiting: Cloudflare keeps a budget per account, and so does the exporter.
      ...(config.accountBasedRateLimiting
        ? {
            accountBased: {
              limiterFor: (id: string) => budget(`graphql#${id}`, config.graphqlRequestsPer5Minutes),
            },
          }
        : {}),
      onRequest: () => {
        stats.graphqlRequests += 1;
      },
    }),
    graphqlUpfront: graphqlUpfront(config, budget),
    rest: new CloudflareRestClient({
      ...common,
      limiter: budget("rest", config.restRequestsPer5Minutes),
      onRequest: () => {
        stats.restRequests += 1;
      },
    }),
  };
}

/** The GraphQL budget an account's queries draw from, for a first collection to pay up front (first-cycle.ts). */
function graphqlUpfront(config: Config, budget: ReturnType<typeof sharedBudgets>) {
  return (accountId: string) =>
    budget(
      config.accountBasedRateLimiting ? `graphql#${accountId}` : "graphql",
      config.graphqlRequestsPer5Minutes,
    );
}

/**
 * One budget per token and API (and account, under account-based rate limiting), shared in
 * DynamoDB by every fetcher; the calls this invocation took up front are kept per budget.
 */
function sharedBudgets(options: RuntimeOptions, sleep: Sleep) {
  const prepaid = new Map<string, PrepaidCalls>();
  return (scope: string, limitPer5Minutes: number) => {
    const calls = prepaid.get(scope) ?? { calls: 0, atMs: 0 };
    prepaid.set(scope, calls);
    return new SharedBudget({
      store: options.store,
      key: { token: tokenDigest(options.token), scope },
      limitPer5Minutes,
      clock: options.clock,
      sleep,
      prepaid: calls,
    });
  };
}

/**
 * Groups whose filter comes from the settings (HOST_METRICS_ALLOWLIST) get it now; those
 * the settings leave nothing to query (an empty allow-list) do not run.
 */
export function withSettings(groups: readonly AnyQueryGroup[], config: Config): AnyQueryGroup[] {
  const settings = { hostMetricsAllowlist: config.hostMetricsAllowlist, excludeHost: config.excludeHost };
  return groups.flatMap((group) => {
    if (!group.filterFromSettings) return [group];
    const filter = group.filterFromSettings(settings);
    return filter === undefined ? [] : [{ ...group, filter }];
  });
}
