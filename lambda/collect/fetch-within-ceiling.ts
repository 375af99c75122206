import { CloudflareApiError } from "../cloudflare/errors.ts";
import type { CloudflareGraphqlClient } from "../cloudflare/graphql-client.ts";
import { claimProbe, readCeiling, writeCeiling } from "../store/ceiling.ts";
import type { Store } from "../store/table.ts";
import { fetchParts, type PartOutcome } from "./fetch-parts.ts";
import { nextRequest, type Piece } from "./plan.ts";
import type { RequestPart } from "./request.ts";
import {
  afterRefusal,
  afterSuccess,
  type CeilingState,
  isRefusedForSize,
  packSize,
  probeDue,
} from "./request-ceiling.ts";

/**
 * One account's learned per-request ceiling for one run: loaded at the start, consulted
 * for every request, saved at the end. A run that finds a probe due claims it, so only
 * one of several concurrent fetchers of the account probes.
 */
export class AccountCeiling {
  #state: CeilingState;
  #probing: boolean;
  #changed = false;
  readonly #store: Store;
  readonly #accountId: string;
  readonly #nowMs: number;
  readonly #probePeriodMs: number;

  private constructor(
    store: Store,
    accountId: string,
    state: CeilingState,
    probing: boolean,
    timing: { nowMs: number; probePeriodMs: number },
  ) {
    this.#store = store;
    this.#accountId = accountId;
    this.#state = state;
    this.#probing = probing;
    this.#nowMs = timing.nowMs;
    this.#probePeriodMs = timing.probePeriodMs;
  }

  static async load(store: Store, accountId: string, nowMs: number, probePeriodMs: number) {
    const state = await readCeiling(store, accountId);
    const probing =
      probeDue(state, nowMs) && (await claimProbe(store, accountId, nowMs, nowMs + probePeriodMs));
    return new AccountCeiling(store, accountId, state, probing, { nowMs, probePeriodMs });
  }

  /** The most queries (scopes × dataset nodes) the next request may carry. */
  size(): number {
    return packSize(this.#state, this.#probing);
  }

  succeeded(queries: number): void {
    const next = afterSuccess(this.#state, queries);
    if (next === this.#state) return;
    // A probe that was answered lets the next run probe again at once.
    this.#state = this.#probing ? { ...next, probeAfter: this.#nowMs } : next;
    this.#changed = true;
  }

  refused(queries: number): void {
    this.#state = afterRefusal(this.#state, queries, this.#nowMs, this.#probePeriodMs);
    this.#probing = false;
    this.#changed = true;
  }

  async save(): Promise<void> {
    if (this.#changed) await writeCeiling(this.#store, this.#accountId, this.#state);
    this.#changed = false;
  }
}

/**
 * Sends the parts packed into requests of at most `ceiling.size()` queries and
 * `maxParts` dataset nodes (a part is split by zones when only some of it fits). A request
 * refused for its size is packed again smaller and sent again; the answers are the same
 * as one request would have given, part by part.
 */
export async function fetchWithinCeiling(
  graphql: CloudflareGraphqlClient,
  parts: readonly RequestPart[],
  ceiling: AccountCeiling | undefined,
  maxParts: number,
): Promise<PartOutcome[]> {
  const outcomes: PartOutcome[] = parts.map(() => new Map());
  let queue: Piece[] = parts.map((part, index) => ({ index, part }));
  while (queue.length > 0) {
    const [request, rest] = nextRequest(queue, ceiling?.size() ?? Number.POSITIVE_INFINITY, maxParts);
    const queries = request.reduce((sum, piece) => sum + piece.part.scopeIds.length, 0);
    try {
      const answers = await fetchParts(
        graphql,
        request.map((piece) => piece.part),
      );
      ceiling?.succeeded(queries);
      for (const [i, piece] of request.entries()) {
        for (const [id, answer] of answers[i] ?? []) outcomes[piece.index]?.set(id, answer);
      }
      queue = rest;
    } catch (error) {
      if (!(error instanceof CloudflareApiError) || !isRefusedForSize(error) || !ceiling || queries <= 1)
        throw error;
      ceiling.refused(queries);
    }
  }
  return outcomes;
}
