import type { AnyQueryGroup } from "../catalogue/query-group.ts";
import type { SnapshotGroup } from "../catalogue/snapshot-group.ts";
import { CloudflareApiError } from "../cloudflare/errors.ts";
import type { DatasetSettings } from "../cloudflare/schemas.ts";
import type { Shard } from "../store/shards.ts";
import type { SamplesByMinute, ScopeLabels } from "./accumulate.ts";
import type { AccountInfo, DiscoveryDeps } from "./discovery.ts";

/**
 * The types a fetcher run is made of. A run flows one way: plan (pure) → fetch (I/O) →
 * apply (pure) → write (I/O); each phase returns what it counted as `RunCounts`, and the
 * run adds them up, so no phase writes into a shared summary.
 */
export interface ApiStats {
  graphqlRequests: number;
  restRequests: number;
  rateLimitEvents: number;
}

export interface FetchDeps extends DiscoveryDeps {
  groups: readonly AnyQueryGroup[];
  snapshots: readonly SnapshotGroup[];
  stats: ApiStats;
  /** Skip the lease (tests that make two runs race on purpose). */
  withoutLease?: boolean;
  /** GraphQL requests a run keeps in flight (fetch-in-waves.ts); absent: graphqlConcurrency. */
  graphqlConcurrency?: number;
  /** Sends what a run's state writes advanced (REMOTE_WRITE_URL; wired by the handler); absent: no push. */
  push?: PushAfterRun;
  /**
   * The GraphQL budget an account's queries draw from (the token's, or the account's under
   * account-based rate limiting), for a first collection to pay up front; absent: unknown,
   * and a first cycle's catch-up is not paced.
   */
  graphqlUpfront?: (accountId: string) => UpfrontBudget;
  /** Told of every stored shard write; set by the run itself when there is a push. */
  onShardWritten?: (write: ShardWrite) => void;
}

/** One stored shard write: the shard before and after, and the per-minute samples it applied. */
export interface ShardWrite {
  before: Shard;
  after: Shard;
  samples: SamplesByMinute;
  /** Minutes before this were beyond Cloudflare's lookback (skipped by the write too). */
  from: number;
  shardCount: number;
}

/** What the push after a run did. */
export interface PushReport {
  acceptedSamples: number;
  failedRequests: number;
  rejectedSamples: number;
  pendingSamples: number;
  /** Seconds from the oldest waiting sample to now (0 when nothing waits). */
  lagSeconds: number;
  writeUnits: number;
}

/**
 * The push after a run's state writes, before its lease is given back: sends what they
 * advanced. It reports, and throws only when its own state cannot be stored; counting never
 * waits on it.
 */
export type PushAfterRun = (
  account: AccountInfo,
  writes: readonly ShardWrite[],
  /**
   * Whether this run also sends the account's self-metrics (one work item per account does),
   * and whether it collects the whole account (then every waiting sample is its to send).
   */
  options?: { selfMetrics: boolean; wholeAccount?: boolean },
) => Promise<PushReport | undefined>;

export interface FetchError {
  query: string;
  zone?: string;
  /** A Cloudflare error kind, or `internal`. */
  kind: string;
  code?: string;
  message: string;
}

/** What a GraphQL budget holds now (first-cycle.ts decides from it whether a first collection fits). */
/** A shared budget a large piece of work pays up front from (first-cycle.ts). */
export interface UpfrontBudget {
  /** Takes `calls` now if `fits` finds room for them in the window as it stands; the run's next calls use them. */
  reserve(calls: number, fits: (reading: BudgetReading) => boolean): Promise<boolean>;
  /** Gives back the calls taken up front and not made. */
  release(): Promise<void>;
}

export interface BudgetReading {
  /** Calls the 5-minute window holds, by 10-second slot (Unix ms of the slot's start). */
  slots: ReadonlyMap<number, number>;
  limit: number;
  nowMs: number;
}

/** What one phase counted. */
export interface RunCounts {
  /** Minutes newly counted, summed over query groups and zones (5 minutes of 3 groups of a zone count 15). */
  minutesCounted: number;
  shardsWritten: number;
  seriesWritten: number;
  writeUnits: number;
  lostMinutes: number;
  zonesWithoutDataset: number;
  /** Datasets Cloudflare refused for a zone or account this run (remembered, not errors). */
  datasetsRefused: number;
  /** Unix seconds: the oldest shard cursor among the account's zones after the run (how stale its data is). */
  oldestCursor?: number;
  errors: FetchError[];
}

/** What a phase returns: its counts, and the error that stopped it, if one did. */
export interface PhaseResult {
  counts: RunCounts;
  stop?: unknown;
}

export interface FetchSummary extends RunCounts {
  accountId: string;
  accountName: string;
  skipped?: string;
  zonesCollected: number;
  /** Each zone chunk is collected every this many minutes (1 unless the token's budget widened collection). */
  everyMinutes?: number;
  graphqlRequests: number;
  restRequests: number;
  /** Times Cloudflare answered "rate limited" during this run. */
  rateLimitEvents: number;
  /**
   * The zones (and the account's own scope) whose state this run took from what the
   * container held, every read of it answered without the table, and those it read from
   * the table at least once (store/slice-cache.ts). The share held is the cost model's warm
   * share (docs/deploy.md, "Costs, roughly").
   */
  stateZonesHeld: number;
  stateZonesRead: number;
  /** What the push did after the state writes (absent without REMOTE_WRITE_URL or with nothing to push). */
  push?: PushReport;
}

/** A zone (or account) of a run and the label its series carry. */
export interface Target {
  id: string;
  /** The scope label its series carry (`zone="example.com"` or `account="acme"`). */
  label: ScopeLabels;
  settings: Readonly<Record<string, DatasetSettings>>;
  /** A zone's plan (`free`, `pro`, `business`, `enterprise`) as discovery read it. */
  plan?: string;
}

export function noCounts(): RunCounts {
  return {
    minutesCounted: 0,
    shardsWritten: 0,
    seriesWritten: 0,
    writeUnits: 0,
    lostMinutes: 0,
    zonesWithoutDataset: 0,
    datasetsRefused: 0,
    errors: [],
  };
}

/** The sum of two phases' counts (the oldest cursor is the older of the two). */
export function addCounts(a: RunCounts, b: Partial<RunCounts>): RunCounts {
  const oldest = [a.oldestCursor, b.oldestCursor].filter((c) => c !== undefined);
  return {
    minutesCounted: a.minutesCounted + (b.minutesCounted ?? 0),
    shardsWritten: a.shardsWritten + (b.shardsWritten ?? 0),
    seriesWritten: a.seriesWritten + (b.seriesWritten ?? 0),
    writeUnits: a.writeUnits + (b.writeUnits ?? 0),
    lostMinutes: a.lostMinutes + (b.lostMinutes ?? 0),
    zonesWithoutDataset: a.zonesWithoutDataset + (b.zonesWithoutDataset ?? 0),
    datasetsRefused: a.datasetsRefused + (b.datasetsRefused ?? 0),
    ...(oldest.length > 0 ? { oldestCursor: Math.min(...oldest) } : {}),
    errors: [...a.errors, ...(b.errors ?? [])],
  };
}

/** An error as the run reports it; anything thrown, not only an Error, gets a message. */
export function describe(query: string, error: unknown, zone?: string): FetchError {
  const where = { query, ...(zone ? { zone } : {}) };
  if (error instanceof CloudflareApiError) {
    return {
      ...where,
      kind: error.kind,
      ...(error.code ? { code: error.code } : {}),
      message: error.message,
    };
  }
  return { ...where, kind: "internal", message: error instanceof Error ? error.message : String(error) };
}
