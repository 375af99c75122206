import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SharedBudget } from "../../lambda/collect/shared-budget.ts";
import { emptyWindow, takeCall, type WindowState } from "../../lambda/store/budget-window.ts";
import { createStore, createTable, type Store } from "../../lambda/store/table.ts";
import { type EmbeddedDynamo, startDynalite } from "../../local/dynalite.ts";

const t0 = Date.UTC(2026, 10, 20, 12, 0, 0);

describe("the budget window", () => {
  it("admits the whole budget at once, then waits for the oldest slot to leave the window", () => {
    let state: WindowState = emptyWindow();
    for (const at of [t0, t0 + 15_000, t0 + 15_000]) {
      const taken = takeCall(state, 3, at);
      if (!("state" in taken)) throw new Error("refused");
      state = taken.state;
    }
    // The first call's 10-second slot counts until the whole of it is out of the window.
    expect(takeCall(state, 3, t0 + 20_000)).toEqual({ waitMs: 300_000 + 10_000 - 20_000 });
    expect("state" in takeCall(state, 3, t0 + 310_000)).toBe(true);
  });

  it("holds every call while Cloudflare's block lasts", () => {
    expect(takeCall({ slots: {}, blockedUntil: t0 + 5_000 }, 3, t0)).toEqual({ waitMs: 5_000 });
  });
});

describe("one budget per token, shared in DynamoDB", () => {
  let dynamo: EmbeddedDynamo;
  let store: Store;
  beforeAll(async () => {
    dynamo = await startDynalite();
    store = createStore("budget", { endpoint: dynamo.endpoint });
    await createTable(store);
  });
  afterAll(() => dynamo.close());

  /** One clock for every fetcher; waiting moves it. */
  let now = t0;
  const budgetFor = (token: string, limit: number) =>
    new SharedBudget({
      store,
      key: { token, scope: "graphql" },
      limitPer5Minutes: limit,
      clock: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });

  it("lets racing fetchers of one token take exactly the budget between them", async () => {
    const fetchers = Array.from({ length: 4 }, () => budgetFor("racing", 10));
    const granted = await Promise.all(
      Array.from({ length: 25 }, (_, i) => fetchers[i % fetchers.length]?.acquire(0)),
    );
    expect(granted.filter(Boolean)).toHaveLength(10);
    // Another token has its own budget.
    expect(await budgetFor("other", 10).acquire(0)).toBe(true);
  });

  it("stops every fetcher of the token after one of them is told the budget is spent", async () => {
    const [a, b] = [budgetFor("blocked", 10), budgetFor("blocked", 10)];
    a.block(300);
    expect(await a.acquire(0)).toBe(false);
    expect(await b.acquire(299_000)).toBe(false);
    expect(now).toBe(t0);
    expect(await b.acquire(300_000)).toBe(true);
    expect(now).toBe(t0 + 300_000);
  });

  it("lets fetchers deciding at the same moment pay up front only what the room holds, and gives back what a piece did not spend", async () => {
    now = t0;
    const limit = 30;
    const used = (reading: { slots: ReadonlyMap<number, number> }) =>
      [...reading.slots.values()].reduce((sum, n) => sum + n, 0);
    // Room for two first collections of 10 in a budget of 30 that already holds 5 calls.
    const first = budgetFor("upfront", limit);
    for (let i = 0; i < 5; i++) expect(await first.acquire(0)).toBe(true);
    const deciders = Array.from({ length: 6 }, () => budgetFor("upfront", limit));
    const fits = (reading: { slots: ReadonlyMap<number, number> }) => used(reading) + 10 <= 25;
    const paid = await Promise.all(deciders.map((budget) => budget.reserve(10, fits)));
    expect(paid.filter(Boolean)).toHaveLength(2);
    expect(await first.usage()).toEqual({ used: 25, limit });
    // A piece that paid 10 and made 4 calls: its calls come from what it paid, the rest goes back.
    const payer = deciders[paid.indexOf(true)];
    if (!payer) throw new Error("one paid");
    for (let i = 0; i < 4; i++) expect(await payer.acquire(0)).toBe(true);
    expect(await first.usage()).toEqual({ used: 25, limit });
    await payer.release();
    expect(await first.usage()).toEqual({ used: 19, limit });
    // Nothing is paid while Cloudflare's block lasts.
    first.block(60);
    await first.acquire(0);
    expect(await budgetFor("upfront", limit).reserve(1, () => true)).toBe(false);
  });
});
