/**
 * Cloudflare's budgets are sliding windows: at most `limit` calls in any 5 minutes. The
 * shared state counts calls in 10-second slots and counts a slot while any part of it is
 * inside the window, so the count is never below the truth and the limit is never passed,
 * while a whole budget may still be spent at once (a first cycle's catch-up).
 */
export interface WindowState {
  /** Slot (Unix ms / 10,000) → calls made in it. */
  slots: Record<string, number>;
  /** Unix ms: Cloudflare said the budget is spent; nothing until then. */
  blockedUntil: number;
}

export const slotMs = 10_000;
const windowSlots = 300_000 / slotMs;

export const emptyWindow = (): WindowState => ({ slots: {}, blockedUntil: 0 });

/** The slots that may still hold calls inside the window ending at `nowMs`. */
export function live(state: WindowState, nowMs: number): Record<string, number> {
  const current = Math.floor(nowMs / slotMs);
  return Object.fromEntries(
    Object.entries(state.slots).filter(([slot]) => Number(slot) >= current - windowSlots),
  );
}

/** Takes one call: the new state, or how many milliseconds until one is free. */
export function takeCall(
  state: WindowState,
  limit: number,
  nowMs: number,
): { state: WindowState } | { waitMs: number } {
  if (nowMs < state.blockedUntil) return { waitMs: state.blockedUntil - nowMs };
  const slots = live(state, nowMs);
  const used = Object.values(slots).reduce((sum, n) => sum + n, 0);
  if (used < limit) {
    const current = String(Math.floor(nowMs / slotMs));
    return { state: { ...state, slots: { ...slots, [current]: (slots[current] ?? 0) + 1 } } };
  }
  const oldest = Math.min(...Object.keys(slots).map(Number));
  return { waitMs: Math.max(1, (oldest + windowSlots + 1) * slotMs - nowMs) };
}
