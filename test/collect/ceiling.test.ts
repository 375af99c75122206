import { afterEach, describe, expect, it } from "vitest";
import { queryGroups } from "../../lambda/catalogue/groups/index.ts";
import { snapshotGroups } from "../../lambda/catalogue/snapshots/index.ts";
import {
  afterRefusal,
  afterSuccess,
  type CeilingState,
  packSize,
} from "../../lambda/collect/request-ceiling.ts";
import { readCeiling } from "../../lambda/store/ceiling.ts";
import { countQueries } from "../../local/simulator/ceiling.ts";
import { defaultWorldSpec, type WorldSpec } from "../../local/simulator/world.ts";
import { type Harness, startHarness } from "./harness.ts";
import { recount } from "./recount.ts";

const all = { groups: queryGroups, snapshots: snapshotGroups };
const probeSeconds = 600;
/** The default world and an agency whose ten zones make a 150-query chunk. */
const agencyWorld: WorldSpec = {
  ...defaultWorldSpec,
  accounts: [
    ...defaultWorldSpec.accounts,
    {
      name: "Agency",
      zones: Array.from({ length: 10 }, (_, i) => ({
        name: `client-${i}.example`,
        plan: i % 2 === 0 ? ("business" as const) : ("pro" as const),
      })),
    },
  ],
};

describe("the per-request ceiling", () => {
  let harness: Harness | undefined;
  afterEach(() => harness?.close());

  it("counts zones × dataset nodes the way Cloudflare does (settings are not a node)", () => {
    const query =
      "query Q($z: [string!], $a: string!) { viewer { p0: zones(filter: { zoneTag_in: $z }) { tag: zoneTag a: httpRequests1mGroups(limit: 1) { count } b: firewallEventsAdaptiveGroups(limit: 1) { count } } p1: accounts(filter: { accountTag: $a }) { x: workersInvocationsAdaptive(limit: 1) { sum { requests } } settings { x { enabled } } } } }";
    expect(countQueries(query, { z: ["a", "b", "c"], a: "acc" })).toEqual({
      queries: 3 * 2 + 1,
      scopeTags: ["a", "b", "c", "acc"],
    });
  });

  it("learns the working size: halves after a refusal, probes halfway up once a period", () => {
    let state: CeilingState = { probeAfter: 0 };
    expect(packSize(state, false)).toBe(Number.POSITIVE_INFINITY);
    state = afterRefusal(state, 150, 0, 1000);
    expect(state).toEqual({ limit: 75, refused: 150, probeAfter: 1000 });
    state = afterRefusal(state, 75, 0, 1000);
    expect(state).toEqual({ limit: 37, refused: 75, probeAfter: 1000 });
    state = afterSuccess(state, 37);
    expect([packSize(state, false), packSize(state, true)]).toEqual([37, 56]);
    state = afterSuccess(state, 56);
    // A failed probe falls back to what worked; adjacent sizes probe the refused one again.
    state = afterRefusal(state, 65, 2000, 1000);
    expect(state).toEqual({ limit: 56, refused: 65, probeAfter: 3000 });
    expect(afterSuccess({ limit: 60, refused: 61, probeAfter: 0 }, 61)).toEqual({ probeAfter: 0 });
    expect(packSize({ limit: 60, refused: 61, probeAfter: 0 }, true)).toBe(61);
  });

  it("sees a refused shape at most once per account per probe period, and counts exactly", async () => {
    harness = await startHarness({
      world: agencyWorld,
      simulator: { queryCeiling: 60 },
      env: { GRAPHQL_CEILING_PROBE_SECONDS: String(probeSeconds) },
    });
    const h = harness;
    const { world } = h.simulator;
    const accountOf = (tag: string) =>
      world.accounts.find((a) => a.id === tag)?.name ??
      world.accounts.find((a) => a.id === world.zones.find((z) => z.id === tag)?.accountId)?.name;
    const startSeconds = h.clock.now() / 1000;
    for (let run = 0; run < 35; run++) {
      const summaries = await h.runAll(all);
      for (const summary of summaries) expect(summary.errors).toEqual([]);
      h.clock.advance(60_000);
    }
    const refusals = h.simulator.ceiling.refusals.map((r) => ({
      account: accountOf(r.scopeTags[0] ?? ""),
      minute: (r.at - startSeconds) / 60,
      queries: r.queries,
    }));
    // First sight: the 16-group shape of ten zones (160 queries) and its half are refused,
    // once each; 40 then works. Probes go halfway up to the smallest refused size (60
    // works, then 70, 65 and 62 are refused), once a period each.
    expect(refusals).toEqual([
      { account: "Agency", minute: 0, queries: 160 },
      { account: "Agency", minute: 0, queries: 80 },
      { account: "Agency", minute: 10, queries: 70 },
      { account: "Agency", minute: 20, queries: 65 },
      { account: "Agency", minute: 30, queries: 62 },
    ]);
    // Whatever the figures: after the first minute, refusals of an account are a period apart.
    for (const [account, own] of Map.groupBy(refusals, (r) => r.account)) {
      const later = own.filter((r) => r.minute > 0).map((r) => r.minute);
      for (const [i, minute] of later.entries())
        expect(minute - (i === 0 ? 0 : (later[i - 1] ?? 0)), account).toBeGreaterThanOrEqual(
          probeSeconds / 60,
        );
    }
    const agency = world.accounts.find((a) => a.name === "Agency");
    expect(await readCeiling(h.store, agency?.id ?? "")).toMatchObject({ limit: 60, refused: 62 });
    const result = await recount(h.simulator, h.store);
    expect(result.mismatches).toEqual([]);
  }, 300_000);
});
