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

/** What a run saw of the ceiling, applied to the stored state when it saves (again, on a race). */
export type CeilingEvent =
  | { kind: "refused"; queries: number }
  | { kind: "succeeded"; queries: number; probing: boolean };

export interface CeilingTiming {
  nowMs: number;
  probePeriodMs: number;
}

/**
 * One observation applied to a state. A refusal never brings the next probe earlier than
 * another fetcher already put it; an answered probe lets the next run probe again at once,
 * unless another fetcher's refusal has put the probe off meanwhile.
 */
export function applyEvent(state: CeilingState, event: CeilingEvent, timing: CeilingTiming): CeilingState {
  const { nowMs, probePeriodMs } = timing;
  if (event.kind === "refused") {
    const next = afterRefusal(state, event.queries, nowMs, probePeriodMs);
    return { ...next, probeAfter: Math.max(state.probeAfter, next.probeAfter) };
  }
  // Only a probe is sent at the refused size: an answer at or above it that was not a probe
  // was sent before another item's refusal was known, and says nothing newer than it.
  if (!event.probing && state.refused !== undefined && event.queries >= state.refused) return state;
  const next = afterSuccess(state, event.queries);
  if (next === state || !event.probing) return next;
  return { ...next, probeAfter: state.probeAfter > nowMs + probePeriodMs ? state.probeAfter : nowMs };
}

/**
 * A run's observations, in order, applied to the state stored now: two work items of one
 * account saving at once end as if one had saved after the other, so the smaller working
 * size one of them learned stands.
 */
export function replay(
  state: CeilingState,
  events: readonly CeilingEvent[],
  timing: CeilingTiming,
): CeilingState {
  return events.reduce((current, event) => applyEvent(current, event, timing), state);
}

/** Appends an observation; answered requests in a row count as their largest (only it can change the state). */
export function record(events: CeilingEvent[], event: CeilingEvent): void {
  const last = events.at(-1);
  if (event.kind === "succeeded" && last?.kind === "succeeded" && last.probing === event.probing) {
    last.queries = Math.max(last.queries, event.queries);
    return;
  }
  events.push({ ...event });
}
