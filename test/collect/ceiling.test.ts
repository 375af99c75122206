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
/** The default world and an agency whose ten zones make a 180-query chunk. */
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
    // First sight: Agency's 17-group shape of ten zones (170 queries: its Business and Pro
    // zones are not asked for the bot fields) and its half are refused, once each; 42 then
    // works. Example Corp's four zones make a 64-query chunk, refused once. Probes then go
    // halfway up to the smallest refused size, once a period (Agency's first, 63, is
    // refused), until both accounts work at 60 and meet 61 (or 62) refused once a period:
    // the simulator's ceiling is 60.
    expect(refusals).toEqual([
      { account: "Example Corp", minute: 0, queries: 64 },
      { account: "Agency", minute: 0, queries: 170 },
      { account: "Agency", minute: 0, queries: 85 },
      { account: "Agency", minute: 10, queries: 63 },
      { account: "Example Corp", minute: 13, queries: 62 },
      { account: "Agency", minute: 21, queries: 61 },
      { account: "Example Corp", minute: 23, queries: 61 },
      { account: "Agency", minute: 31, queries: 61 },
      { account: "Example Corp", minute: 33, queries: 61 },
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
    expect(await readCeiling(h.store, agency?.id ?? "")).toMatchObject({ limit: 60, refused: 61 });
    const result = await recount(h.simulator, h.store);
    expect(result.mismatches).toEqual([]);
  }, 300_000);
});
