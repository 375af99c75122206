import { CloudflareApiError } from "../cloudflare/errors.ts";
import type { CloudflareGraphqlClient } from "../cloudflare/graphql-client.ts";
import { claimProbe, readCeiling, updateCeiling } from "../store/ceiling.ts";
import type { Store } from "../store/table.ts";
import { fetchParts, type PartOutcome } from "./fetch-parts.ts";
import { nextRequest, type Piece } from "./plan.ts";
import type { RequestPart } from "./request.ts";
import {
  applyEvent,
  type CeilingEvent,
  type CeilingState,
  type CeilingTiming,
  isRefusedForSize,
  packSize,
  probeDue,
  record,
  replay,
} from "./request-ceiling.ts";

/**
 * One account's learned per-request ceiling for one run: loaded at the start, consulted
 * for every request, saved at the end. A run that finds a probe due claims it, so only
 * one of several concurrent fetchers of the account probes. The save applies the run's
 * observations to the state stored by then (lambda/store/ceiling.ts), so concurrent work
 * items of the account merge what they learned instead of the last writer winning.
 */
export class AccountCeiling {
  #state: CeilingState;
  #probing: boolean;
  #changed = false;
  readonly #events: CeilingEvent[] = [];
  readonly #store: Store;
  readonly #accountId: string;
  readonly #timing: CeilingTiming;

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
    this.#timing = timing;
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
    this.#observe({ kind: "succeeded", queries, probing: this.#probing });
  }

  refused(queries: number): void {
    this.#observe({ kind: "refused", queries });
    this.#probing = false;
  }

  #observe(event: CeilingEvent): void {
    record(this.#events, event);
    const next = applyEvent(this.#state, event, this.#timing);
    if (next !== this.#state) this.#changed = true;
    this.#state = next;
  }

  /** Nothing is written unless this run learned something; what it learned is merged into the stored state. */
  async save(): Promise<void> {
    if (!this.#changed) return;
    const events = [...this.#events];
    await updateCeiling(this.#store, this.#accountId, (stored) => replay(stored, events, this.#timing));
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
