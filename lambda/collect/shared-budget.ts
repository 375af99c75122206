import type { CallBudget } from "../cloudflare/call.ts";
import type { Clock, Sleep } from "../lib/time.ts";
import { type BudgetKey, blockBudget, budgetHeld, callsInWindow, takeFromBudget } from "../store/budget.ts";
import type { Store } from "../store/table.ts";
import type { BudgetReading } from "./run-types.ts";

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
  #pendingBlock: Promise<void> = Promise.resolve();

  constructor(options: {
    store: Store;
    key: BudgetKey;
    limitPer5Minutes: number;
    clock: Clock;
    sleep: Sleep;
  }) {
    this.#store = options.store;
    this.#key = options.key;
    this.#limit = options.limitPer5Minutes;
    this.#clock = options.clock;
    this.#sleep = options.sleep;
  }

  async acquire(maxWaitMs: number): Promise<boolean> {
    await this.#pendingBlock;
    let waited = 0;
    for (;;) {
      const wait = await takeFromBudget(this.#store, this.#key, this.#limit, this.#clock());
      if (wait === 0) return true;
      if (waited + wait > maxWaitMs) return false;
      await this.#sleep(wait);
      waited += wait;
    }
  }

  /** The calls the window holds now, by slot, and the limit. */
  async held(): Promise<BudgetReading> {
    const nowMs = this.#clock();
    const slots = await budgetHeld(this.#store, this.#key, this.#limit, nowMs);
    return { slots, limit: this.#limit, nowMs };
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
