import { claimProbe, readCeiling, updateCeiling } from "../store/ceiling.ts";
import type { Store } from "../store/table.ts";
import {
  applyEvent,
  type CeilingEvent,
  type CeilingState,
  type CeilingTiming,
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
  /** The most queries a request of this run was answered for, since its last refusal (0: none). */
  #answered = 0;
  #refusedInRun = false;
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

  /**
   * Whether a request of `queries` may go beside others (fetch-in-waves.ts): not a probe,
   * below any refused size, after a first answer in this run and, once this run has seen a
   * refusal, no larger than a request answered since. The run's first request goes alone:
   * should the token be rejected or the budget spent, the run stops after one request, as
   * when requests went one after another. Before any refusal in the run the stored state
   * stands for what works (the working size, or nothing refused yet); after one, the halved
   * size is untried and goes alone, so it is refused at most once. (A shape too large seen
   * for the first time may be refused by each request of its wave: once for the account.)
   */
  proven(queries: number): boolean {
    const { refused } = this.#state;
    if (this.#probing || this.#answered === 0 || (refused !== undefined && queries >= refused)) return false;
    return !this.#refusedInRun || queries <= this.#answered;
  }

  succeeded(queries: number): void {
    this.#answered = Math.max(this.#answered, queries);
    this.#observe({ kind: "succeeded", queries, probing: this.#probing });
  }

  refused(queries: number): void {
    this.#observe({ kind: "refused", queries });
    this.#probing = false;
    this.#refusedInRun = true;
    this.#answered = 0;
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
