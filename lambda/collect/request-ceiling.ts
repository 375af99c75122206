import type { CloudflareApiError } from "../cloudflare/errors.ts";
import type { CeilingState } from "../store/ceiling.ts";

export type { CeilingState } from "../store/ceiling.ts";

/**
 * Cloudflare's per-request ceiling: a request's "queries" are its zone/account scopes
 * times the dataset nodes applied to them, and past an undisclosed ceiling the request is
 * refused with HTTP 429 "in combination, your request queries too many nodes, zones and
 * accounts". The size that worked is remembered per account, so later cycles send the
 * working shape first; it is probed upward again (at most one refusal per probe period).
 * Pure logic here; `lambda/store/ceiling.ts` keeps the state (and its schema) in DynamoDB.
 */

export function isRefusedForSize(error: CloudflareApiError): boolean {
  return error.message.toLowerCase().includes("too many nodes, zones and accounts");
}

/** Whether this run may probe above the known working size. */
export function probeDue(state: CeilingState, nowMs: number): boolean {
  return state.refused !== undefined && nowMs >= state.probeAfter;
}

/**
 * The size requests are packed to: unbounded until a refusal; then the working size; when
 * probing, halfway to the smallest refused size (or that size itself when they are adjacent:
 * Cloudflare may have raised its ceiling).
 */
export function packSize(state: CeilingState, probing: boolean): number {
  const { limit, refused } = state;
  if (refused === undefined) return Number.POSITIVE_INFINITY;
  const known = Math.min(limit ?? 1, refused - 1);
  if (!probing) return Math.max(1, known);
  return refused - known > 1 ? Math.floor((known + refused) / 2) : refused;
}

/**
 * A refused request of `queries`: the working size halves (or falls back to the size that
 * worked before a probe), and no probe comes before `probePeriodMs` has passed.
 */
export function afterRefusal(
  state: CeilingState,
  queries: number,
  nowMs: number,
  probePeriodMs: number,
): CeilingState {
  const refused = Math.min(state.refused ?? queries, queries);
  const fallback = state.limit !== undefined && state.limit < queries ? state.limit : Math.floor(queries / 2);
  return { limit: Math.max(1, Math.min(fallback, refused - 1)), refused, probeAfter: nowMs + probePeriodMs };
}

/** An answered request of `queries`: a larger answered request raises the working size. */
export function afterSuccess(state: CeilingState, queries: number): CeilingState {
  if (state.refused === undefined) return state;
  if (queries >= state.refused) return { probeAfter: state.probeAfter };
  if (queries <= (state.limit ?? 0)) return state;
  return { ...state, limit: queries };
}
