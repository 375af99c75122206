import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logpushAccount } from "../../../lambda/catalogue/groups/logpush-account.ts";
import { magicTransit } from "../../../lambda/catalogue/groups/magic-transit.ts";
import { magicTransitColos } from "../../../lambda/catalogue/groups/magic-transit-colos.ts";
import { workers } from "../../../lambda/catalogue/groups/workers.ts";
import { type FetchSummary, fetchAccount } from "../../../lambda/collect/fetch-account.ts";
import { type Harness, startHarness } from "../../collect/harness.ts";

/** The account groups together: one GraphQL request per account and minute carries all of them. */
const groups = [workers, logpushAccount, magicTransit, magicTransitColos];
const names = ["Example Corp", "Side Project"] as const;

describe("account groups together", () => {
  let harness: Harness;
  /** Per run, per account: its summary and the GraphQL requests the simulator answered for it. */
  const runs: Map<string, { summary: FetchSummary; requests: number }>[] = [];
  beforeAll(async () => {
    harness = await startHarness({ env: { INITIAL_LOOKBACK_SECONDS: "60" } });
    for (let run = 0; run < 2; run++) {
      const deps = harness.runtime({ groups });
      const results = new Map<string, { summary: FetchSummary; requests: number }>();
      // One account at a time, so each request is attributed to its account.
      for (const account of harness.simulator.world.accounts) {
        const before = harness.simulator.requests.graphql;
        const summary = await fetchAccount(deps, { id: account.id, name: account.name });
        results.set(account.name, { summary, requests: harness.simulator.requests.graphql - before });
      }
      runs.push(results);
      harness.clock.advance(60_000);
    }
  });
  afterAll(async () => {
    await harness.close();
  });

  it("cost one settings query and one request per account, then one request a minute", () => {
    for (const name of names) {
      expect(runs[0]?.get(name)?.summary.errors).toEqual([]);
      expect(runs[1]?.get(name)?.summary.errors).toEqual([]);
      expect(runs[0]?.get(name)?.requests).toBe(2);
      expect(runs[1]?.get(name)?.requests).toBe(1);
    }
  });

  it("count a minute per group where the account has the dataset, and skip the others", () => {
    // Example Corp: four groups, one minute each; Side Project: workers only (its account has
    // neither Logpush nor Magic Transit, so three groups are skipped by its settings).
    expect(runs[1]?.get("Example Corp")?.summary.minutesCounted).toBe(4);
    expect(runs[1]?.get("Side Project")?.summary.minutesCounted).toBe(1);
    expect(runs[1]?.get("Side Project")?.summary.zonesWithoutDataset).toBe(3);
  });
});
