import { CloudflareApiError } from "../cloudflare/errors.ts";
import type { CloudflareGraphqlClient } from "../cloudflare/graphql-client.ts";
import { fetchParts, type PartOutcome } from "./fetch-parts.ts";
import type { AccountCeiling } from "./fetch-within-ceiling.ts";
import { nextRequest, type Piece } from "./plan.ts";
import type { RequestPart } from "./request.ts";
import { isRefusedForSize } from "./request-ceiling.ts";

/**
 * GraphQL requests a run keeps in flight at once. Cloudflare's GraphQL limits count
 * requests per 5 minutes (300 by default, per token or per account), not requests in
 * flight, so four sent at once spend the same budget as four sent in turn, and the run no
 * longer waits for each answer before sending the next; four keeps a burst small.
 */
export const graphqlConcurrency = 4;

/** A lane's parts as one caller would have sent them: every part answered, or what stopped it. */
export type LaneResult = { outcomes: PartOutcome[] } | { error: unknown } | { dropped: true };

interface Lane {
  queue: Piece[];
  outcomes: PartOutcome[];
  /** Pieces refused for their size in the last wave, sent again (smaller) first. */
  refused: Piece[];
  state: "open" | "failed" | "dropped";
  error?: unknown;
}

interface Planned {
  lane: Lane;
  request: Piece[];
  queries: number;
}

export interface WaveLimits {
  /** The operator's cap on dataset nodes per request (MAX_DATASETS_PER_REQUEST). */
  maxParts: number;
  /** Requests in flight at once (graphqlConcurrency; 1 sends them one after another). */
  concurrency: number;
}

/**
 * Sends each lane's parts packed into requests of at most `ceiling.size()` queries and
 * `maxParts` dataset nodes, exactly as if each lane were sent alone, lane after lane, one
 * request after another; only the sending overlaps. A lane is one caller's parts (a chunk
 * of zones): requests never mix lanes, so each is the request the caller would have sent.
 *
 * Waves: up to `concurrency` requests are planned at the current size, in order (a lane's
 * requests before the next lane's), sent together, and their outcomes applied in that
 * order once all have settled. This stays what the sequential sending gives because:
 * - a request goes beside others only when the ceiling takes its size to work (`proven`:
 *   never the run's first request, a probe, or a size untried since a refusal in this
 *   run); any other goes first in a wave and alone, so the ceiling sees its refusal as the sequential sending would,
 *   and the next wave is planned at the size it learned. Answers at the working size leave
 *   the size as it was, so a wave's later requests are packed exactly as the sequential
 *   sending packs them.
 * - a request refused for its size (an untried one; one of a wave at a size never refused
 *   before; any after Cloudflare lowered its ceiling) is observed by the ceiling, and its
 *   pieces go back to the front of its lane, packed smaller in the next wave: the answers
 *   are the same part by part.
 * - any other failure stops its lane with that error (the first in order), as it stopped
 *   the sequential sending: outcomes after it in the wave are not applied, the lanes after
 *   it are dropped (not sent again, their answers not used), and the lanes before it go on.
 *   Every request of a wave settles before its outcomes are applied, so none is left unhandled.
 */
export async function fetchInWaves(
  graphql: CloudflareGraphqlClient,
  lanes: readonly (readonly RequestPart[])[],
  ceiling: AccountCeiling | undefined,
  limits: WaveLimits,
): Promise<LaneResult[]> {
  const state: Lane[] = lanes.map((parts) => ({
    queue: parts.map((part, index) => ({ index, part })),
    outcomes: parts.map(() => new Map()),
    refused: [],
    state: "open",
  }));
  for (
    let wave = planWave(state, ceiling, limits);
    wave.length > 0;
    wave = planWave(state, ceiling, limits)
  ) {
    const settled = await Promise.allSettled(
      wave.map(({ request }) =>
        fetchParts(
          graphql,
          request.map((piece) => piece.part),
        ),
      ),
    );
    applyWave(state, wave, settled, ceiling);
  }
  return state.map((lane) => {
    if (lane.state === "failed") return { error: lane.error };
    if (lane.state === "dropped") return { dropped: true };
    return { outcomes: lane.outcomes };
  });
}

/** The next wave: the open lanes' requests in order, the first always, the others while proven and room is left. */
function planWave(
  lanes: readonly Lane[],
  ceiling: AccountCeiling | undefined,
  limits: WaveLimits,
): Planned[] {
  const wave: Planned[] = [];
  for (const lane of lanes) {
    if (lane.state !== "open") continue;
    while (lane.queue.length > 0) {
      const [request, rest] = nextRequest(
        lane.queue,
        ceiling?.size() ?? Number.POSITIVE_INFINITY,
        limits.maxParts,
      );
      const queries = request.reduce((sum, piece) => sum + piece.part.scopeIds.length, 0);
      const beside = wave.length < limits.concurrency && (ceiling?.proven(queries) ?? true);
      if (wave.length > 0 && !beside) return wave;
      wave.push({ lane, request, queries });
      lane.queue = rest;
    }
  }
  return wave;
}

/** A wave's outcomes in plan order; nothing after the first failure counts. */
function applyWave(
  lanes: readonly Lane[],
  wave: readonly Planned[],
  settled: readonly PromiseSettledResult<PartOutcome[]>[],
  ceiling: AccountCeiling | undefined,
): void {
  for (const [i, { lane, request, queries }] of wave.entries()) {
    const result = settled[i];
    if (lane.state !== "open" || !result) continue;
    if (result.status === "fulfilled") {
      ceiling?.succeeded(queries);
      for (const [j, piece] of request.entries()) {
        for (const [id, answer] of result.value[j] ?? []) lane.outcomes[piece.index]?.set(id, answer);
      }
      continue;
    }
    const error: unknown = result.reason;
    if (error instanceof CloudflareApiError && isRefusedForSize(error) && ceiling && queries > 1) {
      ceiling.refused(queries);
      lane.refused.push(...request);
      continue;
    }
    lane.state = "failed";
    lane.error = error;
    for (const later of lanes.slice(lanes.indexOf(lane) + 1)) later.state = "dropped";
  }
  for (const lane of lanes) {
    lane.queue = [...lane.refused, ...lane.queue];
    lane.refused = [];
  }
}
