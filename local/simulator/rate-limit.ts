/**
 * Cloudflare's per-token request budgets: at most `limit` requests in any `windowSeconds`.
 * With `blockSeconds`, going over the budget also blocks every call for that long, as
 * the REST API does ("blocks all API calls for the next five minutes").
 */
export type Admission =
  | { admitted: true; remaining: number; resetSeconds: number }
  | { admitted: false; retryAfterSeconds: number };

export class SlidingWindowLimiter {
  readonly limit: number;
  readonly windowSeconds: number;
  readonly #blockSeconds: number;
  readonly #hits = new Map<string, number[]>();
  readonly #blockedUntil = new Map<string, number>();

  constructor(limit: number, windowSeconds: number, blockSeconds = 0) {
    this.limit = limit;
    this.windowSeconds = windowSeconds;
    this.#blockSeconds = blockSeconds;
  }

  /** Counts a request by `key` at `now` (Unix seconds) if the budget allows it. */
  admit(key: string, now: number): Admission {
    const blockedUntil = this.#blockedUntil.get(key) ?? 0;
    if (now < blockedUntil) return { admitted: false, retryAfterSeconds: Math.ceil(blockedUntil - now) };
    const hits = (this.#hits.get(key) ?? []).filter((at) => at > now - this.windowSeconds);
    this.#hits.set(key, hits);
    if (hits.length >= this.limit) {
      if (this.#blockSeconds > 0) {
        this.#blockedUntil.set(key, now + this.#blockSeconds);
        return { admitted: false, retryAfterSeconds: this.#blockSeconds };
      }
      const oldest = hits[0] ?? now;
      return {
        admitted: false,
        retryAfterSeconds: Math.max(1, Math.ceil(oldest + this.windowSeconds - now)),
      };
    }
    hits.push(now);
    const oldest = hits[0] ?? now;
    return {
      admitted: true,
      remaining: this.limit - hits.length,
      resetSeconds: Math.ceil(oldest + this.windowSeconds - now),
    };
  }

  remaining(key: string, now: number): number {
    const hits = (this.#hits.get(key) ?? []).filter((at) => at > now - this.windowSeconds);
    return Math.max(0, this.limit - hits.length);
  }
}
