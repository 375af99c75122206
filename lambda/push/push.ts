import type { PushReport, ShardWrite } from "../collect/run-types.ts";
import type { Logger } from "../lib/log.ts";
import {
  emptyJournal,
  encodeJournal,
  groupPending,
  type Journal,
  JournalConflictError,
  maxJournalBytes,
  pendingSamples,
  readJournal,
  writeJournal,
} from "../store/push-journal.ts";
import type { Store } from "../store/table.ts";
import {
  batches,
  foldOlderThan,
  hasCounters,
  type PushSample,
  samplesOfState,
  samplesOfWrite,
  shardId,
} from "./plan.ts";
import { type RemoteWriteTarget, sendSamples } from "./send.ts";

/**
 * After a run's state writes: journal what they advanced, send it with what waits for the
 * same shards, and store what the receiver did not take, in one DynamoDB write per run. A
 * failing receiver costs counting nothing: this runs after the state is stored, and what
 * it could not send waits in the journal for the next run.
 *
 * The journal is the account's, shared by its work items, which push side by side: each
 * sends only the waiting samples of the shards it wrote (or of the series it has new
 * samples of), so no sample is sent by two items and a series' samples go out in order
 * from one; its write is conditional and, on a race, merged into the newer journal.
 */
export interface PushDeps {
  store: Store;
  clock: () => number;
  logger: Logger;
  target: RemoteWriteTarget;
  maxSamplesPerRequest: number;
  windowSeconds: number;
  /** Families the operator asked not to export (METRICS_DENYLIST). */
  denylist: readonly string[];
  /**
   * The exporter's own metrics for this account as the scrape would serve them once the
   * journal is `journal` (lambda/push/self.ts); absent: none pushed.
   */
  selfSamples?: (account: { id: string; name: string }, journal: Journal) => Promise<PushSample[]>;
}

/** At most this many requests per run (each up to REMOTE_WRITE_MAX_SAMPLES_PER_REQUEST samples). */
export const maxRequestsPerRun = 20;

/** Journal writes lost to other work items of the account before a run gives up (each loss is another item's write). */
const maxConflicts = 20;

/** What a run leaves of the journal it read: the waiting samples it settled (sent, refused, denied), and its new unsent ones. */
interface Outcome {
  settled: ReadonlySet<string>;
  unsentFresh: readonly PushSample[];
  /** Waiting samples older than this (ms) can no longer be placed: folded by whichever write finds them. */
  oldestMs: number;
}

const idOf = (sample: PushSample) => `${sample.key}@${sample.t}`;

interface RunDelta {
  fresh: PushSample[];
  cursors: Record<string, number>;
  acceptedSamples: number;
  failedRequests: number;
  rejectedSamples: number;
  folded: Record<string, number>;
  acceptedUntil?: number;
}

export async function pushAfterRun(
  deps: PushDeps,
  account: { id: string; name: string },
  writes: readonly ShardWrite[],
  wholeAccount = true,
): Promise<PushReport | undefined> {
  const journal = await readJournal(deps.store, account.id);
  const delta = journalWrites(journal, writes);
  const claimed = wholeAccount ? pendingSamples(journal) : claimedBy(journal, delta);
  if (delta.fresh.length === 0 && claimed.length === 0) return undefined;
  const nowMs = deps.clock();
  const oldestMs = nowMs - deps.windowSeconds * 1000;
  const fresh = foldOlderThan(
    delta.fresh.filter((s) => !denied(deps, s.key)),
    oldestMs,
  );
  add(delta.folded, "window", fresh.foldedMinutes);
  // Waiting samples too old to place are folded (and counted) by the journal write.
  const live = claimed.filter((s) => !denied(deps, s.key) && s.t >= oldestMs);
  const waiting = await sendAll(deps, account, [...live, ...fresh.kept], delta, nowMs);
  // The exporter's own metrics go last, once the data is in, at the time they are read;
  // they are not journaled (the next run sends newer ones), but counted like any sample.
  if (waiting.length === 0) await sendSelf(deps, account, merged(journal, delta, []), delta, nowMs);
  const left = new Set(waiting);
  const outcome: Outcome = {
    settled: new Set(
      claimed.filter((s) => !left.has(s) && (s.t >= oldestMs || denied(deps, s.key))).map(idOf),
    ),
    unsentFresh: fresh.kept.filter((s) => left.has(s)),
    oldestMs,
  };
  const writeUnits = await store(deps, account.id, journal, delta, outcome);
  const oldest = waiting.reduce((min, s) => Math.min(min, s.t), nowMs);
  return {
    acceptedSamples: delta.acceptedSamples,
    failedRequests: delta.failedRequests,
    rejectedSamples: delta.rejectedSamples,
    pendingSamples: waiting.length,
    lagSeconds: waiting.length === 0 ? 0 : Math.max(0, Math.round((nowMs - oldest) / 1000)),
    writeUnits,
  };
}

/** The samples of this run's writes, plus what a shard's state gives where the journal missed a write. */
function journalWrites(journal: Journal, writes: readonly ShardWrite[]): RunDelta {
  const cursors = { ...journal.cursors };
  const delta: RunDelta = {
    fresh: [],
    cursors: {},
    acceptedSamples: 0,
    failedRequests: 0,
    rejectedSamples: 0,
    folded: {},
  };
  for (const write of writes) {
    const id = shardId(write.after);
    const journaled = cursors[id];
    if (journaled === undefined || journaled < write.before.cursor) {
      delta.fresh.push(
        ...samplesOfState(write.before, journaled).map((sample) => ({ ...sample, shard: id })),
      );
      if (journaled !== undefined && hasCounters(write.before))
        add(delta.folded, "crash", (write.before.cursor - journaled) / 60 - 1);
    }
    delta.fresh.push(...samplesOfWrite(write).map((sample) => ({ ...sample, shard: id })));
    cursors[id] = write.after.cursor;
    delta.cursors[id] = write.after.cursor;
  }
  return delta;
}

/**
 * The waiting samples a work item of a split account sends: those of the shards it wrote,
 * and those of the series it has new samples of (samples journaled before they carried their
 * shard). Work items of one account write different shards, so no two of them take the same
 * sample. (An item that collects the whole account sends every waiting sample.)
 */
function claimedBy(journal: Journal, delta: RunDelta): PushSample[] {
  if (journal.pending.length === 0) return [];
  const shards = new Set(Object.keys(delta.cursors));
  const series = new Set(delta.fresh.map((s) => s.key));
  return pendingSamples(journal).filter(
    (s) => (s.shard !== undefined && shards.has(s.shard)) || series.has(s.key),
  );
}

/** Sends oldest first and stops at the first failure worth retrying; returns what is still waiting. */
async function sendAll(
  deps: PushDeps,
  account: { id: string },
  samples: readonly PushSample[],
  delta: RunDelta,
  nowMs: number,
): Promise<PushSample[]> {
  const queue = batches(samples, deps.maxSamplesPerRequest);
  for (const [index, batch] of queue.entries()) {
    // A long backlog is sent over several runs, so the run ends well within its Lambda timeout.
    if (index >= maxRequestsPerRun) return queue.slice(index).flat();
    const outcome = await sendSamples(deps.target, batch, new Date(nowMs));
    if (outcome.kind === "accepted") {
      delta.acceptedSamples += batch.length;
      delta.acceptedUntil = batch.reduce((max, s) => Math.max(max, s.t), delta.acceptedUntil ?? 0);
    } else if (outcome.kind === "rejected") {
      delta.rejectedSamples += batch.length;
      deps.logger.warn("the remote-write receiver refused a request; its samples are not sent again", {
        accountId: account.id,
        samples: batch.length,
        reason: outcome.reason,
      });
    } else {
      delta.failedRequests += 1;
      const waiting = queue.slice(index).flat();
      deps.logger.warn("remote write failed; the samples wait in the push journal for the next run", {
        accountId: account.id,
        waiting: waiting.length,
        reason: outcome.reason,
      });
      return waiting;
    }
  }
  return [];
}

/** The self-metrics are an extra: failing to read them costs the data's journal nothing. */
async function sendSelf(
  deps: PushDeps,
  account: { id: string; name: string },
  journal: Journal,
  delta: RunDelta,
  nowMs: number,
): Promise<void> {
  if (!deps.selfSamples) return;
  let self: PushSample[];
  try {
    self = await deps.selfSamples(account, journal);
  } catch (error) {
    deps.logger.warn("the exporter's own metrics could not be read; this push leaves them out", {
      accountId: account.id,
      reason: error instanceof Error ? error.message : String(error),
    });
    return;
  }
  await sendAll(deps, account, self, delta, nowMs);
}

/**
 * One conditional write of the journal as this run leaves it: the waiting samples it did not
 * settle (other items' among them), its own unsent ones, its cursors and counts. If another
 * item stored the journal meanwhile, the same is computed again on that newer journal.
 * Waiting samples older than the window are folded by the write that finds them, so each
 * is counted once whichever item's write it is.
 */
async function store(
  deps: PushDeps,
  accountId: string,
  read: Journal,
  delta: RunDelta,
  outcome: Outcome,
): Promise<number> {
  let base = read;
  for (let attempt = 0; ; attempt++) {
    const folded = { ...delta.folded };
    const remaining = pendingSamples(base).filter((s) => !outcome.settled.has(idOf(s)));
    const old = foldOlderThan(remaining, outcome.oldestMs);
    add(folded, "window", old.foldedMinutes);
    let unsent = [...old.kept, ...outcome.unsentFresh];
    let data = encodeJournal(merged(base, { ...delta, folded }, unsent));
    while (data.byteLength > maxJournalBytes && unsent.length > 0) {
      // Fold the oldest tenth: the journal must fit one item; totals stay exact.
      const sorted = [...unsent].sort((a, b) => a.t - b.t);
      const cut = sorted[Math.ceil(sorted.length / 10)]?.t ?? Number.POSITIVE_INFINITY;
      const { kept, foldedMinutes } = foldOlderThan(unsent, cut);
      add(folded, "journal", foldedMinutes);
      unsent = kept;
      data = encodeJournal(merged(base, { ...delta, folded }, unsent));
    }
    try {
      return await writeJournal(deps.store, accountId, base, data);
    } catch (error) {
      if (!(error instanceof JournalConflictError) || attempt >= maxConflicts - 1) throw error;
      base = await readJournal(deps.store, accountId);
    }
  }
}

function merged(base: Journal, delta: RunDelta, unsent: readonly PushSample[]): Journal {
  const cursors = { ...base.cursors };
  for (const [id, cursor] of Object.entries(delta.cursors)) cursors[id] = Math.max(cursors[id] ?? 0, cursor);
  const folded = { ...base.totals.foldedMinutes };
  for (const [reason, minutes] of Object.entries(delta.folded))
    folded[reason] = (folded[reason] ?? 0) + minutes;
  const acceptedUntil = Math.max(base.acceptedUntil ?? 0, delta.acceptedUntil ?? 0);
  return {
    ...emptyJournal(),
    cursors,
    pending: groupPending(unsent),
    totals: {
      acceptedSamples: base.totals.acceptedSamples + delta.acceptedSamples,
      failedRequests: base.totals.failedRequests + delta.failedRequests,
      rejectedSamples: base.totals.rejectedSamples + delta.rejectedSamples,
      foldedMinutes: folded,
    },
    ...(acceptedUntil > 0 ? { acceptedUntil } : {}),
    ...(base.version === undefined ? {} : { version: base.version }),
  };
}

function add(into: Record<string, number>, reason: string, minutes: number): void {
  if (minutes > 0) into[reason] = (into[reason] ?? 0) + minutes;
}

function denied(deps: PushDeps, key: string): boolean {
  if (deps.denylist.length === 0) return false;
  const brace = key.indexOf("{");
  return deps.denylist.includes(brace < 0 ? key : key.slice(0, brace));
}
