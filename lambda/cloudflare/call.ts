import { CloudflareApiError, explained, transportError } from "./errors.ts";
import { type RetryPolicy, withRetries } from "./retry.ts";

/** What a Cloudflare client needs of a rate limiter (the per-run one or the token's shared one). */
export interface CallBudget {
  /** Takes a call, waiting up to `maxWaitMs`; false (nothing taken) when the wait would be longer. */
  acquire(maxWaitMs: number): Promise<boolean>;
  /** Cloudflare said stop: no call for `seconds`. */
  block(seconds: number): void;
  /** A shared budget's count: calls taken in the last 5 minutes, of its limit (for the status page). */
  usage?(): Promise<{ used: number; limit: number }>;
}

/** What both Cloudflare clients need: where, who, and how to pace and retry calls. */
export interface ClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  limiter: CallBudget;
  retry: RetryPolicy;
  /** How long a call may wait for the rate limiter before its work is left to a later run. */
  maxLimiterWaitMs: number;
  fetch?: typeof fetch;
  onRequest?: () => void;
  onRateLimited?: (error: CloudflareApiError) => void;
}

/**
 * One Cloudflare call: waits for the rate limiter, retries transient failures, and on a
 * rate-limit answer holds every later call of the invocation for as long as Cloudflare asked.
 */
export function guardedCall<T>(options: ClientOptions, what: string, send: () => Promise<T>): Promise<T> {
  return withRetries(options.retry, async () => {
    if (!(await options.limiter.acquire(options.maxLimiterWaitMs))) {
      throw new CloudflareApiError(
        "rateLimited",
        `${what}: this run's request budget is spent; the rest waits for the next run`,
      );
    }
    options.onRequest?.();
    try {
      return await send();
    } catch (error) {
      const classified = explained(transportError(error, what), what);
      if (classified.kind === "rateLimited") {
        options.limiter.block(classified.retryAfterSeconds ?? 60);
        options.onRateLimited?.(classified);
      }
      throw classified;
    }
  });
}
