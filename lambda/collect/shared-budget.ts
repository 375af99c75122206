import type { CallBudget } from "../cloudflare/call.ts";
import type { Clock, Sleep } from "../lib/time.ts";
import {
  type BudgetKey,
  blockBudget,
  callsInWindow,
  reserveFromBudget,
  returnToBudget,
  takeFromBudget,
} from "../store/budget.ts";
import type { Store } from "../store/table.ts";
import type { BudgetReading } from "./run-types.ts";

/**
 * Calls one invocation took up front (a first collection's estimate, first-cycle.ts) and has
 * not made yet: its next calls use them instead of taking again. Shared by every handle of
 * the same budget in the invocation.
 */
export interface PrepaidCalls {
  calls: number;
  /** Unix ms of the take, where calls not made are given back. */
  atMs: number;
}

/**
 * The token's budget held in DynamoDB, shared by every fetcher of the token: the Map's
 * parallel iterations together stay within Cloudflare's per-token limit.
 */
export class SharedBudget implements CallBudget {
  readonly #store: Store;
  readonly #key: BudgetKey;
  readonly #limit: number;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #prepaid: PrepaidCalls;
  #pendingBlock: Promise<void> = Promise.resolve();
  /**
   * This handle's takes, one after another: a run sends a few requests at once
   * (fetch-in-waves.ts), and takes sent together would lose races to each other's
   * conditional writes, each lost race a read and a refused write billed for nothing.
   */
  #takes: Promise<unknown> = Promise.resolve();

  constructor(options: {
    store: Store;
    key: BudgetKey;
    limitPer5Minutes: number;
    clock: Clock;
    sleep: Sleep;
    prepaid?: PrepaidCalls;
  }) {
    this.#store = options.store;
    this.#key = options.key;
    this.#limit = options.limitPer5Minutes;
    this.#clock = options.clock;
    this.#sleep = options.sleep;
    this.#prepaid = options.prepaid ?? { calls: 0, atMs: 0 };
  }

  async acquire(maxWaitMs: number): Promise<boolean> {
    await this.#pendingBlock;
    if (this.#prepaid.calls > 0) {
      this.#prepaid.calls -= 1;
      return true;
    }
    const take = this.#takes.then(() => this.#take(maxWaitMs));
    this.#takes = take.catch(() => {});
    return take;
  }

  async #take(maxWaitMs: number): Promise<boolean> {
    let waited = 0;
    for (;;) {
      const wait = await takeFromBudget(this.#store, this.#key, this.#limit, this.#clock());
      if (wait === 0) return true;
      if (waited + wait > maxWaitMs) return false;
      await this.#sleep(wait);
      waited += wait;
    }
  }

  /**
   * Takes `calls` up front if `fits` finds room for them in the window as it stands (a
   * reading taken inside the same conditional write); the next calls use them.
   */
  async reserve(calls: number, fits: (reading: BudgetReading) => boolean): Promise<boolean> {
    const nowMs = this.#clock();
    const limit = this.#limit;
    const taken = await reserveFromBudget(this.#store, this.#key, nowMs, calls, (slots) =>
      fits({ slots, limit, nowMs }),
    );
    if (taken) {
      if (this.#prepaid.calls > 0) await this.release();
      this.#prepaid.calls = calls;
      this.#prepaid.atMs = nowMs;
    }
    return taken;
  }

  /** Gives back the calls taken up front and not made. */
  async release(): Promise<void> {
    const { calls, atMs } = this.#prepaid;
    this.#prepaid.calls = 0;
    if (calls > 0) await returnToBudget(this.#store, this.#key, atMs, calls);
  }

  /** What the budget holds now: calls taken in the last 5 minutes, of its limit. */
  async usage(): Promise<{ used: number; limit: number }> {
    return { used: await callsInWindow(this.#store, this.#key, this.#clock()), limit: this.#limit };
  }

  block(seconds: number): void {
    const now = this.#clock();
    // Recorded before the next call of this fetcher; other fetchers see it at their next take.
    this.#pendingBlock = this.#pendingBlock
      .then(() => blockBudget(this.#store, this.#key, now + seconds * 1000))
      .catch(() => {});
  }
}
