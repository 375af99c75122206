import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { discover } from "../../lambda/handlers/discover.ts";
import { fetchOne } from "../../lambda/handlers/fetch-account.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import {
  type LocalHandler,
  runLocally,
  synthesizedDefinition,
  taskStates,
} from "../../local/state-machine.ts";
import { expectExact } from "../collect/exact.ts";
import { type Harness, startHarness } from "../collect/harness.ts";

/**
 * The synthesized state machine, executed by aws-local-stepfunctions with each Task bound
 * to the real handler core (discover / fetchOne) against the Cloudflare simulator and
 * dynalite, on the harness's virtual clock. What is checked is what production relies on:
 * the data flows through the definition's paths, one account's failure stays its own, and
 * a throttled invocation is retried.
 */
type Definition = ReturnType<typeof synthesizedDefinition>;

const scheduledTime = "2026-11-20T12:00:00Z";

/** Every counted zone's [start, cursor) equals the simulator's ground truth over that range. */
async function expectAccountExact(harness: Harness, accountId: string): Promise<number> {
  const counters = await harness.counters(accountId);
  let checked = 0;
  for (const shard of await readAccountShards(harness.store, accountId)) {
    const zone = harness.simulator.world.zones.find((z) => z.id === shard.scopeId);
    if (!zone) throw new Error(`unknown zone ${shard.scopeId}`);
    expect(shard.cursor).toBeGreaterThan(shard.start);
    checked += expectExact(harness.simulator, counters, zone, [[shard.start, shard.cursor]]);
  }
  return checked;
}

describe("the synthesized state machine, run locally", () => {
  let definition: Definition;
  let harness: Harness;
  beforeAll(() => {
    definition = synthesizedDefinition();
  });
  afterEach(() => harness?.close());

  /** Lambda-like handlers: each invocation builds its own runtime, as a fresh container would. */
  const handlers = (wrapFetch: (run: LocalHandler) => LocalHandler = (run) => run) => ({
    discover: async (event: unknown) => discover(harness.runtime(), event),
    fetchAccount: wrapFetch(async (event: unknown) => fetchOne(harness.runtime(), event)),
  });

  it("is the stack's definition: discover, then a Map of fetchAccount tasks", () => {
    expect(definition.StartAt).toBe("DiscoverAccounts");
    expect(definition.TimeoutSeconds).toBe(55);
    expect(Object.fromEntries(taskStates(definition))).toEqual({
      DiscoverAccounts: "discover",
      FetchAccount: "fetchAccount",
    });
    expect(definition.States.ForEachAccount).toMatchObject({
      Type: "Map",
      ItemsPath: "$.accounts",
      // Set per execution by discover, from the token's budget within the stack's cap.
      MaxConcurrencyPath: "$.maxConcurrency",
    });
  });

  it("counts one cycle's data exactly, passing the scheduled time to every account", async () => {
    harness = await startHarness();
    const seen: unknown[] = [];
    const result = (await runLocally(
      definition,
      { scheduledTime },
      handlers((run) => async (event) => {
        seen.push(event);
        return run(event);
      }),
    )) as Record<string, unknown>[];
    const accounts = harness.simulator.world.accounts;
    expect(seen).toEqual(
      expect.arrayContaining(
        // Each told what draws from the token's budget: both accounts' zone chunks.
        accounts.map((a) => ({
          accountId: a.id,
          accountName: a.name,
          scheduledTime,
          onBudget: { chunks: 2, accounts: 0 },
        })),
      ),
    );
    expect(result).toHaveLength(accounts.length);
    for (const [i, account] of accounts.entries()) {
      expect(result[i]).toMatchObject({ accountId: account.id, errorCount: 0, errors: [] });
      expect(result[i]?.failed).toBeUndefined();
      expect(result[i]?.minutesCounted).toBeGreaterThan(0);
      // What the fetcher's EMF line reports as the account's data age.
      const cursors = (await readAccountShards(harness.store, account.id)).map((shard) => shard.cursor);
      expect(result[i]).toMatchObject({ rateLimitEvents: 0, oldestCursor: Math.min(...cursors) });
    }
    let checked = 0;
    for (const account of accounts) checked += await expectAccountExact(harness, account.id);
    expect(checked).toBeGreaterThan(4 * 8);

    // The next cycle continues from the cursors: still exact.
    harness.clock.advance(5 * 60_000);
    await runLocally(definition, { scheduledTime: "2026-11-20T12:05:00Z" }, handlers());
    for (const account of accounts) await expectAccountExact(harness, account.id);
  });

  it("turns one account's failure into that account's result; the others complete", async () => {
    harness = await startHarness();
    const [broken, healthy] = harness.simulator.world.accounts;
    if (!broken || !healthy) throw new Error("the default world has two accounts");
    const calls = new Map<string, number>();
    const result = (await runLocally(
      definition,
      { scheduledTime },
      handlers((run) => async (event) => {
        const { accountId } = event as { accountId: string };
        calls.set(accountId, (calls.get(accountId) ?? 0) + 1);
        if (accountId === broken.id) throw new TypeError("Cloudflare said something unreadable");
        return run(event);
      }),
    )) as Record<string, unknown>[];

    expect(result[0]).toEqual({
      accountId: broken.id,
      accountName: broken.name,
      failed: true,
      error: "TypeError",
      cause: "Cloudflare said something unreadable",
    });
    expect(result[1]).toMatchObject({ accountId: healthy.id, errorCount: 0 });
    // An error of the handler's own is not a Lambda service error: no retry.
    expect(calls.get(broken.id)).toBe(1);
    expect(await readAccountShards(harness.store, broken.id)).toEqual([]);
    expect(await expectAccountExact(harness, healthy.id)).toBeGreaterThan(8);
  });

  it("retries a throttled invocation, and the cycle completes", async () => {
    harness = await startHarness();
    const [throttled] = harness.simulator.world.accounts;
    if (!throttled) throw new Error("no account");
    let throttles = 0;
    let calls = 0;
    const result = (await runLocally(
      definition,
      { scheduledTime },
      handlers((run) => async (event) => {
        calls++;
        if ((event as { accountId: string }).accountId === throttled.id && throttles === 0) {
          throttles++;
          const error = new Error("Rate Exceeded.");
          error.name = "Lambda.TooManyRequestsException";
          throw error;
        }
        return run(event);
      }),
    )) as Record<string, unknown>[];

    expect(throttles).toBe(1);
    expect(calls).toBe(harness.simulator.world.accounts.length + 1);
    for (const item of result) expect(item).toMatchObject({ errorCount: 0 });
    for (const account of harness.simulator.world.accounts) await expectAccountExact(harness, account.id);
  });

  it("fails the execution when discovery itself fails (the ExecutionsFailed alarm's case)", async () => {
    harness = await startHarness();
    await expect(
      runLocally(
        definition,
        { scheduledTime },
        {
          ...handlers(),
          discover: async () => {
            throw new Error("no token yet");
          },
        },
      ),
    ).rejects.toThrow(/no token yet/);
  });
});
