import { afterEach, describe, expect, it } from "vitest";
import { dnsAccount } from "../../lambda/catalogue/groups/dns-account.ts";
import { httpRequests1m } from "../../lambda/catalogue/groups/http-requests-1m.ts";
import { CloudflareApiError } from "../../lambda/cloudflare/errors.ts";
import { type FetchDeps, fetchAccount } from "../../lambda/collect/fetch-account.ts";
import type * as z from "../../lambda/lib/zod.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import type { WorldSpec } from "../../local/simulator/world.ts";
import { type Harness, startHarness } from "./harness.ts";

const world: WorldSpec = {
  accounts: [
    {
      name: "Agency",
      zones: ["a.example", "b.example", "c.example"].map((name) => ({ name, plan: "business" as const })),
    },
  ],
  tokens: [{ value: "sim-token" }],
};
const groups = [httpRequests1m, dnsAccount];

/**
 * The run's GraphQL requests: each one's dataset, and the rounds they went in (a request
 * sent while none was in flight starts one). `rejected`: every answer is a rejected token.
 */
function recording(deps: FetchDeps, rejected = false) {
  const recorded = { inFlight: 0, rounds: 0, datasets: [] as string[] };
  const client = deps.graphql;
  const query = client.query.bind(client);
  client.query = async <T>(
    document: string,
    variables: Record<string, unknown>,
    schema: z.ZodMiniType<T>,
  ) => {
    recorded.datasets.push(document.includes("dnsAnalyticsAdaptiveGroups") ? "account" : "zones");
    if (recorded.inFlight === 0) recorded.rounds += 1;
    recorded.inFlight += 1;
    try {
      const answer = await query(document, variables, schema);
      if (rejected) throw new CloudflareApiError("unauthorized", "Invalid API Token", { code: "10000" });
      return answer;
    } finally {
      recorded.inFlight -= 1;
    }
  };
  return recorded;
}

async function steadyRun(harness: Harness, rejected = false) {
  const account = harness.simulator.world.accounts[0];
  if (!account) throw new Error("no account");
  const info = { id: account.id, name: account.name };
  expect((await fetchAccount(harness.runtime({ groups }), info)).errors).toEqual([]);
  harness.clock.advance(60_000);
  const cursors = async () =>
    (await readAccountShards(harness.store, account.id))
      .map((s) => `${s.group}|${s.scopeId}|${s.cursor}`)
      .sort();
  const before = await cursors();
  const deps = harness.runtime({ groups });
  const recorded = recording(deps, rejected);
  const summary = await fetchAccount(deps, info);
  return { summary, recorded, before, after: await cursors() };
}

describe("an account's own datasets, collected beside its zones", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("sends the zones' request and the account's together: one round a steady minute", async () => {
    harness = await startHarness({ world });
    const { summary, recorded, before, after } = await steadyRun(harness);
    expect(summary.errors).toEqual([]);
    expect(recorded.datasets.sort()).toEqual(["account", "zones"]);
    expect(recorded.rounds).toBe(1);
    // Three zones' and the account's shards each moved one minute on.
    expect(before.length).toBe(4);
    expect(summary.minutesCounted).toBe(4);
    const minuteOn = (key: string) => key.replace(/\d+$/, (cursor) => String(Number(cursor) + 60));
    expect(after).toEqual(before.map(minuteOn));
  });

  it("counts a rejected token once, the zones' stage's, and moves no cursor", async () => {
    harness = await startHarness({ world });
    const { summary, recorded, before, after } = await steadyRun(harness, true);
    expect(recorded.rounds).toBe(1);
    expect(summary.errors.map((e) => [e.query, e.kind, e.code])).toEqual([
      ["zones", "unauthorized", "10000"],
    ]);
    expect(summary.minutesCounted).toBe(0);
    expect(after).toEqual(before);
  });
});
