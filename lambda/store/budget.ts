import { createHash } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import { emptyWindow, live, slotMs, takeCall, type WindowState } from "./budget-window.ts";
import type { Store } from "./table.ts";

/**
 * One request budget per Cloudflare token (and API), shared by every fetcher of that token:
 * `BUDGET#<token digest> / <api>[#<account>]`. Every take is a conditional write on the
 * version read, so two fetchers can never both take the last call; a fetcher that crashes
 * after taking has spent it (the budget errs on the side of fewer calls).
 */
export interface BudgetKey {
  /** A digest of the token, never the token itself. */
  token: string;
  /** `graphql` or `rest`, and the account when the budget is kept per account. */
  scope: string;
}

export const tokenDigest = (token: string) => createHash("sha256").update(token).digest("hex").slice(0, 16);

/** Built at first use, so a cold start that takes no budget does not build it. */
const itemSchema = once(() =>
  z.object({
    slots: z.record(z.string(), z.number()),
    blockedUntil: z.number(),
    version: z.number().check(z.int()),
  }),
);

const maxConflicts = 20;

async function read(store: Store, key: BudgetKey) {
  const response = await store.client.send(
    new GetCommand({ TableName: store.tableName, Key: { pk: `BUDGET#${key.token}`, sk: key.scope } }),
  );
  const parsed = itemSchema().safeParse(response.Item);
  return parsed.success ? parsed.data : undefined;
}

async function write(store: Store, key: BudgetKey, state: WindowState, version: number | undefined) {
  await store.client.send(
    new PutCommand({
      TableName: store.tableName,
      Item: {
        pk: `BUDGET#${key.token}`,
        sk: key.scope,
        slots: state.slots,
        blockedUntil: state.blockedUntil,
        version: (version ?? 0) + 1,
      },
      ConditionExpression: version === undefined ? "attribute_not_exists(pk)" : "version = :v",
      ...(version === undefined ? {} : { ExpressionAttributeValues: { ":v": version } }),
    }),
  );
}

/** How long a take that lost `maxConflicts` races in a row waits before trying again. */
export const contendedWaitMs = 100;

/**
 * Changes the shared bucket with `change`, again on a concurrent write, until it sticks;
 * `undefined` when it lost `maxConflicts` races in a row (many fetchers taking at once):
 * the caller waits a moment instead of failing its call.
 */
async function update<T>(
  store: Store,
  key: BudgetKey,
  change: (state: WindowState) => { state?: WindowState; result: T },
): Promise<T | undefined> {
  for (let attempt = 0; attempt < maxConflicts; attempt++) {
    const stored = await read(store, key);
    const { state, result } = change(stored ?? emptyWindow());
    if (!state) return result;
    try {
      await write(store, key, state, stored?.version);
      return result;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  return undefined;
}

/** Takes one call from the shared budget: 0, or the milliseconds until one is there. */
export async function takeFromBudget(store: Store, key: BudgetKey, limit: number, nowMs: number) {
  const waitMs = await update(store, key, (state) => {
    const taken = takeCall(state, limit, nowMs);
    return "state" in taken ? { state: taken.state, result: 0 } : { result: taken.waitMs };
  });
  return waitMs ?? contendedWaitMs;
}

/**
 * Takes `calls` at once, now, if `fits` says the window has room for them (given the
 * calls it holds before the take, by 10-second slot: Unix ms of the slot's start → calls):
 * a large piece of work pays up front, so two fetchers deciding at the same moment cannot
 * both count on the same room. False when it does not fit, while Cloudflare's block
 * lasts, or when every try lost its race.
 */
export async function reserveFromBudget(
  store: Store,
  key: BudgetKey,
  nowMs: number,
  calls: number,
  fits: (slots: Map<number, number>) => boolean,
): Promise<boolean> {
  const taken = await update(store, key, (state) => {
    if (nowMs < state.blockedUntil) return { result: false };
    const slots = live(state, nowMs);
    const held = new Map(Object.entries(slots).map(([slot, n]) => [Number(slot) * slotMs, n]));
    if (!fits(held)) return { result: false };
    const current = String(Math.floor(nowMs / slotMs));
    return {
      state: { ...state, slots: { ...slots, [current]: (slots[current] ?? 0) + calls } },
      result: true,
    };
  });
  return taken === true;
}

/**
 * Gives back calls taken up front and not made, to the slot (Unix ms) they were taken in:
 * never more than that slot holds, so the count stays at or above the calls made.
 */
export async function returnToBudget(
  store: Store,
  key: BudgetKey,
  atMs: number,
  calls: number,
): Promise<void> {
  const slot = String(Math.floor(atMs / slotMs));
  await update(store, key, (state) => {
    const held = state.slots[slot] ?? 0;
    if (calls <= 0 || held === 0) return { result: undefined };
    const left = held - Math.min(held, calls);
    const { [slot]: _, ...rest } = state.slots;
    return { state: { ...state, slots: left > 0 ? { ...rest, [slot]: left } : rest }, result: undefined };
  });
}

/**
 * Cloudflare said the budget is spent: every fetcher of the token holds off until `untilMs`.
 * Kept at the first try that sticks; should every try lose, the fetchers that raced it
 * are told the same by Cloudflare and record it themselves.
 */
export async function blockBudget(store: Store, key: BudgetKey, untilMs: number): Promise<void> {
  await update(store, key, (state) =>
    state.blockedUntil >= untilMs
      ? { result: undefined }
      : { state: { ...state, blockedUntil: untilMs }, result: undefined },
  );
}

/** Calls taken from the shared budget in the 5 minutes before `nowMs` (as the window counts them). */
export async function callsInWindow(store: Store, key: BudgetKey, nowMs: number): Promise<number> {
  const stored = await read(store, key);
  return stored ? Object.values(live(stored, nowMs)).reduce((sum, n) => sum + n, 0) : 0;
}
