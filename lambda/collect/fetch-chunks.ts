import { CloudflareApiError } from "../cloudflare/errors.ts";
import { fetchInWaves, graphqlConcurrency } from "./fetch-in-waves.ts";
import type { PartOutcome } from "./fetch-parts.ts";
import type { AccountCeiling } from "./fetch-within-ceiling.ts";
import { cursorOf, nextRequest, type Piece, type Plan } from "./plan.ts";
import type { RequestPart } from "./request.ts";
import type { FetchDeps, Target } from "./run-types.ts";

/**
 * The fetch phase of a chunk (collect-chunk.ts): each round's pieces of every group packed
 * into as few GraphQL requests as allowed, the chunks' requests sent in waves
 * (fetch-in-waves.ts), and the rows kept by `group|target` for the apply phase.
 */

/** What the fetch phase brought back, by `group|target`; `stop` is what ended it early. */
export interface Fetched {
  rows: Map<string, unknown[]>;
  until: Map<string, number>;
  failed: Map<string, CloudflareApiError>;
  stop?: unknown;
}

interface Work {
  plan: Plan;
  part: RequestPart;
  targets: Target[];
}

export const keyOf = (plan: Plan, target: Target) => `${plan.group.name}|${target.id}`;

/** What the fetch phase needs of a chunk read and planned. */
export interface ChunkToFetch {
  plans: Plan[];
  end: number;
  /** `group|target` keys that wait for their rule names (not fetched). */
  waiting: ReadonlySet<string>;
}

/**
 * The GraphQL requests the fetch phase makes when every piece is answered at once: each
 * round packed as fetchInWaves packs it (limit splits and refusals come on top).
 */
export function plannedRequests(
  plans: readonly Plan[],
  end: number,
  size = Number.POSITIVE_INFINITY,
  maxParts = Number.POSITIVE_INFINITY,
): number {
  const rounds = Math.max(0, ...plans.map((plan) => plan.pieces.length));
  let requests = 0;
  for (let round = 0; round < rounds; round++) {
    let queue: Piece[] = roundWork(plans, round, end, () => false).map((w, index) => ({
      index,
      part: w.part,
    }));
    while (queue.length > 0) {
      queue = nextRequest(queue, size, maxParts)[1];
      requests += 1;
    }
  }
  return requests;
}

/**
 * The fetch phase of several chunks, each as it would go alone: round by round, every
 * group's piece of that round in as few requests as allowed; the chunks' requests of a
 * round go out in waves (fetch-in-waves.ts). A chunk stopped by a failure keeps what its
 * earlier rounds fetched; the chunks after it are not fetched further (undefined: the
 * sequential collection would not have reached them), the ones before it go on.
 */
export async function fetchChunks(
  deps: FetchDeps,
  chunks: readonly ChunkToFetch[],
  ceiling: AccountCeiling | undefined,
): Promise<(Fetched | undefined)[]> {
  const fetched: Fetched[] = chunks.map(() => ({ rows: new Map(), until: new Map(), failed: new Map() }));
  let reached = chunks.length;
  const rounds = Math.max(0, ...chunks.flatMap((chunk) => chunk.plans.map((plan) => plan.pieces.length)));
  const limits = {
    maxParts: deps.config.maxDatasetsPerRequest,
    concurrency: deps.graphqlConcurrency ?? graphqlConcurrency,
  };
  for (let round = 0; round < rounds; round++) {
    const work = chunks.map((chunk, i) => {
      const own = fetched[i];
      if (i >= reached || !own || own.stop !== undefined) return [];
      const leftOut = (key: string) => own.failed.has(key) || chunk.waiting.has(key);
      return roundWork(chunk.plans, round, chunk.end, leftOut);
    });
    if (work.every((w) => w.length === 0)) continue;
    // Fails a chunk only with what stops the run (rate limit, rejected token); its cursors then stay put.
    // Packed to the account's learned per-request ceiling and the operator's cap (plan.ts).
    const results = await fetchInWaves(
      deps.graphql,
      work.map((w) => w.map((one) => one.part)),
      ceiling,
      limits,
    );
    for (const [i, result] of results.entries()) {
      const own = fetched[i];
      if (!own || "dropped" in result) continue;
      if ("error" in result) {
        own.stop = result.error;
        reached = i + 1;
        break;
      }
      keepAnswers(own, work[i] ?? [], result.outcomes);
    }
  }
  return fetched.map((own, i) => (i < reached ? own : undefined));
}

/** Each plan's piece of this round, for the targets that have begun and are not left out (failed, waiting). */
function roundWork(
  plans: readonly Plan[],
  round: number,
  end: number,
  leftOut: (key: string) => boolean,
): Work[] {
  const work: Work[] = [];
  for (const plan of plans) {
    const piece = plan.pieces[round];
    if (!piece) continue;
    const [from, to] = piece;
    const active = plan.targets.filter(
      (t) => !leftOut(keyOf(plan, t)) && (plan.begin.get(t.id) ?? end) <= from && cursorOf(plan, t) < to,
    );
    if (active.length === 0) continue;
    work.push({
      plan,
      targets: active,
      part: { group: plan.group, scopeIds: active.map((t) => t.id), from, to, limit: plan.limit },
    });
  }
  return work;
}

function keepAnswers(fetched: Fetched, work: readonly Work[], outcomes: readonly PartOutcome[]): void {
  for (const [index, { plan, part, targets }] of work.entries()) {
    const outcome = outcomes[index];
    for (const target of targets) {
      const answer = outcome?.get(target.id);
      const key = keyOf(plan, target);
      if (answer instanceof CloudflareApiError || answer === undefined) {
        fetched.failed.set(key, answer ?? new CloudflareApiError("transient", "missing from the answer"));
        continue;
      }
      const list = fetched.rows.get(key) ?? [];
      for (const row of answer) {
        const minute = plan.group.minuteOf(row);
        if (minute >= part.from && minute < part.to) list.push(row);
      }
      fetched.rows.set(key, list);
      fetched.until.set(key, part.to);
    }
  }
}
