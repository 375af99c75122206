import { CloudflareApiError, explained, transportError } from "./errors.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import { type RetryPolicy, withRetries } from "./retry.ts";

/** What both Cloudflare clients need: where, who, and how to pace and retry calls. */
export interface ClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  limiter: RateLimiter;
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
