import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { cacheContentType } from "../../lambda/catalogue/groups/cache-content-type.ts";
import { colocation } from "../../lambda/catalogue/groups/colocation.ts";
import { colocationErrors } from "../../lambda/catalogue/groups/colocation-errors.ts";
import { httpRequests1m } from "../../lambda/catalogue/groups/http-requests-1m.ts";
import { logpushZone } from "../../lambda/catalogue/groups/logpush-zone.ts";
import { originStatus } from "../../lambda/catalogue/groups/origin-status.ts";
import { requestMethods } from "../../lambda/catalogue/groups/request-methods.ts";
import type { AnyQueryGroup } from "../../lambda/catalogue/query-group.ts";
import { CloudflareApiError } from "../../lambda/cloudflare/errors.ts";
import { type FetchDeps, type FetchSummary, fetchAccount } from "../../lambda/collect/fetch-account.ts";
import type * as z from "../../lambda/lib/zod.ts";
import { callsInWindow, tokenDigest } from "../../lambda/store/budget.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import type { Store } from "../../lambda/store/table.ts";
import { hexId } from "../../local/simulator/random.ts";
import type { WorldSpec } from "../../local/simulator/world.ts";
import { type Harness, startHarness } from "./harness.ts";
import { recount } from "./recount.ts";

/** One account of `zones` Business zones: a chunk of ten zones per GraphQL request. */
const estate = (zones: number): WorldSpec => ({
  accounts: [
    {
      name: "Agency",
      zones: Array.from({ length: zones }, (_, i) => ({
        name: `client${i}.example`,
        plan: "business" as const,
      })),
    },
  ],
  tokens: [{ value: "sim-token" }],
});

/**
 * Forty zones whose first chunk (zones go ten to a chunk in order of their ID) is Business
 * and the others Enterprise: only Enterprise zones have Logpush health, so with it the
 * first chunk makes a smaller request than the others.
 */
function mixedEstate(): WorldSpec {
  const names = Array.from({ length: 40 }, (_, i) => `client${i}.example`);
  const idOf = (name: string) => hexId("cloudflare-simulator", "zone", name);
  const first = new Set([...names].sort((a, b) => idOf(a).localeCompare(idOf(b))).slice(0, 10));
  return {
    accounts: [
      {
        name: "Agency",
        zones: names.map((name) => ({
          name,
          plan: first.has(name) ? ("business" as const) : ("enterprise" as const),
        })),
      },
    ],
    tokens: [{ value: "sim-token" }],
  };
}

interface Recorded {
  inFlight: number;
  maxInFlight: number;
  /** Each GraphQL request's zones, in the order they were sent. */
  sent: string[][];
}

/**
 * The run's GraphQL client, recording how many requests are in flight at once and which
 * zones each carries; `failing(n)`: the n-th request (from 1) gets its answer replaced by
 * that error, as if Cloudflare had answered it so.
 */
function recording(deps: FetchDeps, failing?: (n: number) => CloudflareApiError | undefined): Recorded {
  const recorded: Recorded = { inFlight: 0, maxInFlight: 0, sent: [] };
  const client = deps.graphql;
  const query = client.query.bind(client);
  client.query = async <T>(
    document: string,
    variables: Record<string, unknown>,
    schema: z.ZodMiniType<T>,
  ): Promise<T> => {
    recorded.sent.push(
      Object.entries(variables)
        .filter(([key]) => key.endsWith("Zones"))
        .flatMap(([, zones]) => zones as string[]),
    );
    const n = recorded.sent.length;
    recorded.inFlight += 1;
    recorded.maxInFlight = Math.max(recorded.maxInFlight, recorded.inFlight);
    try {
      const answer = await query(document, variables, schema);
      const error = failing?.(n);
      if (error) throw error;
      return answer;
    } finally {
      recorded.inFlight -= 1;
    }
  };
  return recorded;
}

/** The table, counting the shared budget's takes that lost a race to another write. */
function countingLostRaces(store: Store): { store: Store; lost: { count: number } } {
  const lost = { count: 0 };
  const send = async (command: Parameters<DynamoDBDocumentClient["send"]>[0]) => {
    try {
      return await store.client.send(command);
    } catch (error) {
      const pk = (command.input as { Item?: { pk?: unknown } }).Item?.pk;
      if (error instanceof ConditionalCheckFailedException && String(pk).startsWith("BUDGET#"))
        lost.count += 1;
      throw error;
    }
  };
  return { store: { ...store, client: { send } as unknown as DynamoDBDocumentClient }, lost };
}

/** The stored state of every shard, minus nothing: cursors, starts and series. */
async function storedState(harness: Harness, accountId: string) {
  const shards = await readAccountShards(harness.store, accountId);
  return shards
    .map((s) => ({
      group: s.group,
      zone: s.scopeId,
      index: s.index,
      cursor: s.cursor,
      start: s.start,
      series: s.series,
    }))
    .sort((a, b) => `${a.group}|${a.zone}|${a.index}`.localeCompare(`${b.group}|${b.zone}|${b.index}`));
}

/**
 * A first run, a minute, then a steady run with `concurrency` GraphQL requests in flight at
 * most and `groups` (the first run's groups unless given): what the steady run sent and stored.
 */
async function steadyRun(
  harness: Harness,
  concurrency: number,
  groups: { first: readonly AnyQueryGroup[]; steady: readonly AnyQueryGroup[] },
  failing?: (n: number) => CloudflareApiError | undefined,
) {
  const account = harness.simulator.world.accounts[0];
  if (!account) throw new Error("no account");
  const info = { id: account.id, name: account.name };
  const first = await fetchAccount(
    { ...harness.runtime({ groups: groups.first }), graphqlConcurrency: concurrency },
    info,
  );
  expect(first.errors).toEqual([]);
  harness.clock.advance(60_000);
  const before = await storedState(harness, account.id);
  const table = countingLostRaces(harness.store);
  const runtime = harness.runtime({ groups: groups.steady, store: table.store });
  const deps = { ...runtime, graphqlConcurrency: concurrency };
  const recorded = recording(deps, failing);
  const summary: FetchSummary = await fetchAccount(deps, info);
  const budget = { token: tokenDigest("sim-token"), scope: "graphql" };
  return {
    account,
    before,
    summary,
    recorded,
    after: await storedState(harness, account.id),
    /** GraphQL calls the shared budget holds after both runs, and the takes that lost a race. */
    budget: {
      calls: await callsInWindow(harness.store, budget, harness.clock.now()),
      lost: table.lost.count,
    },
  };
}

describe("a run's GraphQL requests, a few at a time", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("keeps four in flight and stores what one at a time stores", async () => {
    const groups = { first: [httpRequests1m], steady: [httpRequests1m] };
    const runs = [];
    for (const concurrency of [4, 1]) {
      harness = await startHarness({ world: estate(90) });
      const run = await steadyRun(harness, concurrency, groups);
      expect(run.summary.errors).toEqual([]);
      if (concurrency === 4) expect((await recount(harness.simulator, harness.store)).mismatches).toEqual([]);
      runs.push(run);
      await harness.close();
      harness = undefined;
    }
    const [waves, oneByOne] = runs;
    // Nine chunks of ten zones, one request each, four chunks at a time: the run's first
    // request alone, then the next three together, four, and the last.
    expect(waves?.summary.graphqlRequests).toBe(9);
    expect(waves?.recorded.maxInFlight).toBe(4);
    expect(oneByOne?.summary.graphqlRequests).toBe(9);
    expect(oneByOne?.recorded.maxInFlight).toBe(1);
    expect(waves?.summary.minutesCounted).toBe(90);
    expect(waves?.after).toEqual(oneByOne?.after);
    expect(waves?.summary).toEqual(oneByOne?.summary);
    // The shared budget holds both runs' 27 GraphQL calls either way, and a run's own takes
    // never race each other.
    expect(waves?.budget).toEqual({ calls: 27, lost: 0 });
    expect(oneByOne?.budget).toEqual({ calls: 27, lost: 0 });
  }, 120_000);

  it("packs a request refused for its size smaller and counts what one at a time counts", async () => {
    // Six groups for the first chunk's ten Business zones make 60 queries, the simulator's
    // ceiling; with Logpush health the Enterprise chunks make 70, over it.
    const steady = [
      httpRequests1m,
      requestMethods,
      colocation,
      colocationErrors,
      originStatus,
      cacheContentType,
      logpushZone,
    ];
    const groups = { first: [httpRequests1m], steady };
    const runs = [];
    for (const concurrency of [4, 1]) {
      harness = await startHarness({ world: mixedEstate(), simulator: { queryCeiling: 60 } });
      const run = await steadyRun(harness, concurrency, groups);
      expect(run.summary.errors).toEqual([]);
      expect((await recount(harness.simulator, harness.store)).mismatches).toEqual([]);
      runs.push({ ...run, refused: harness.simulator.ceiling.refusals.map((r) => r.queries) });
      await harness.close();
      harness = undefined;
    }
    const [waves, oneByOne] = runs;
    // Each request's zones (each zone of a part is one query here); discovery's reads of the
    // new groups' dataset settings come first, one at a time.
    const queries = (sent: readonly string[][] | undefined) => sent?.map((zones) => zones.length);
    // The first chunk goes alone and is answered; the account never refused anything, so
    // the three others' 70-query requests go out together and are refused together. Each is
    // then sent in two of 35: the first alone (a size untried since the refusal), the other
    // five four at a time.
    expect(waves?.refused).toEqual([70, 70, 70]);
    expect(waves?.recorded.maxInFlight).toBe(4);
    expect(queries(waves?.recorded.sent)).toEqual([0, 0, 0, 0, 60, 70, 70, 70, 35, 35, 35, 35, 35, 35]);
    expect(waves?.summary.graphqlRequests).toBe(14);
    // One at a time: the second chunk's 70 is refused once, then every chunk goes in two of 35.
    expect(oneByOne?.refused).toEqual([70]);
    expect(oneByOne?.recorded.maxInFlight).toBe(1);
    expect(queries(oneByOne?.recorded.sent)).toEqual([0, 0, 0, 0, 60, 70, 35, 35, 35, 35, 35, 35]);
    expect(oneByOne?.summary.graphqlRequests).toBe(12);
    expect(waves?.after).toEqual(oneByOne?.after);
    expect(waves?.summary.minutesCounted).toBe(oneByOne?.summary.minutesCounted);
  }, 180_000);

  it("fails the run with a failed request's error and writes nothing of its window", async () => {
    harness = await startHarness({ world: estate(40) });
    const budget = new CloudflareApiError(
      "rateLimited",
      "rate limiter budget depleted, try again after 5 minutes",
      {
        status: 429,
      },
    );
    const groups = { first: [httpRequests1m], steady: [httpRequests1m] };
    // The steady run's second request (the first of a wave of three) is answered "budget depleted".
    const run = await steadyRun(harness, 4, groups, (n) => (n === 2 ? budget : undefined));
    expect(run.summary.errors).toEqual([{ query: "zones", kind: "rateLimited", message: budget.message }]);
    // The run's first request alone, then a wave of three, sent and settled; nothing after it.
    expect(run.summary.graphqlRequests).toBe(4);
    expect(run.recorded.maxInFlight).toBe(3);
    const [first, failed, third, fourth] = run.recorded.sent;
    const cursor = (state: typeof run.before, zone: string) =>
      state.find((s) => s.zone === zone)?.cursor ?? 0;
    // The first request's chunk is collected; the failed one's and those after it are not written.
    for (const zone of first ?? []) expect(cursor(run.after, zone) - cursor(run.before, zone)).toBe(60);
    for (const zone of [...(failed ?? []), ...(third ?? []), ...(fourth ?? [])])
      expect(cursor(run.after, zone)).toBe(cursor(run.before, zone));
    expect([first, failed, third, fourth].map((zones) => zones?.length)).toEqual([10, 10, 10, 10]);
    const unmoved = run.after.filter((s, i) => s.cursor === run.before[i]?.cursor).length;
    expect(unmoved).toBe(30);
  }, 120_000);
});
