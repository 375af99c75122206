import type { Sleep } from "../lib/time.ts";
import type { CloudflareApiError } from "./errors.ts";

export interface RetryPolicy {
  maxAttempts: number;
  /** First backoff; each later one doubles. Each wait is drawn uniformly below its cap ("full jitter"). */
  baseDelayMs: number;
  sleep: Sleep;
  random: () => number;
}

/** Runs `call`, retrying transient failures with jittered exponential backoff. */
export async function withRetries<T>(policy: RetryPolicy, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const kind = (error as CloudflareApiError).kind;
      if (kind !== "transient" || attempt >= policy.maxAttempts) throw error;
      await policy.sleep(Math.floor(policy.random() * policy.baseDelayMs * 2 ** (attempt - 1)));
    }
  }
}
