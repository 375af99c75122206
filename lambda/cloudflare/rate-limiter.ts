import type { Clock, Sleep } from "../lib/time.ts";

/**
 * Keeps one invocation's calls within a Cloudflare budget (at most `limit` calls in any
 * `windowSeconds`), and holds every call after Cloudflare says the budget is spent.
 * Shared by all calls of an invocation, so parallel work cannot overrun it.
 */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  #calls: number[] = [];
  #blockedUntil = 0;

  constructor(options: { limit: number; windowSeconds: number; clock: Clock; sleep: Sleep }) {
    this.#limit = options.limit;
    this.#windowMs = options.windowSeconds * 1000;
    this.#clock = options.clock;
    this.#sleep = options.sleep;
  }

  /** Milliseconds a call would have to wait now; 0 when it may go at once. */
  waitMs(): number {
    const now = this.#clock();
    this.#calls = this.#calls.filter((at) => at > now - this.#windowMs);
    const blocked = Math.max(0, this.#blockedUntil - now);
    if (this.#calls.length < this.#limit) return blocked;
    const oldest = this.#calls[0] ?? now;
    return Math.max(blocked, oldest + this.#windowMs - now);
  }

  /**
   * Takes a slot, waiting up to `maxWaitMs` for one; returns false (taking nothing) when
   * the wait would be longer, so the caller can defer the work to a later run.
   */
  async acquire(maxWaitMs: number): Promise<boolean> {
    let wait = this.waitMs();
    while (wait > 0) {
      if (wait > maxWaitMs) return false;
      await this.#sleep(wait);
      wait = this.waitMs();
    }
    this.#calls.push(this.#clock());
    return true;
  }

  /** Cloudflare said stop: no call for `seconds`. */
  block(seconds: number): void {
    this.#blockedUntil = Math.max(this.#blockedUntil, this.#clock() + seconds * 1000);
  }
}
