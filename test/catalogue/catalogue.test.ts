import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { queryGroups } from "../../lambda/catalogue/groups/index.ts";
import { referenceDifferences } from "../../lambda/catalogue/reference-differences.ts";
import { snapshotGroups } from "../../lambda/catalogue/snapshots/index.ts";
import { discoverAccounts } from "../../lambda/collect/discovery.ts";
import { fetchAccount } from "../../lambda/collect/fetch-account.ts";
import { loadConfig } from "../../lambda/config/config.ts";
import { renderText } from "../../lambda/exposition/text.ts";
import { buildFamilies } from "../../lambda/serve/families.ts";
import { readState } from "../../lambda/serve/state.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { type Harness, hostMetricsEnv, startHarness } from "../collect/harness.ts";
import { recount } from "../collect/recount.ts";

/**
 * The whole catalogue at once, as deployed: every query group and REST snapshot against
 * the simulator's mixed-plan world.
 */
const minutes = (n: number) => n * 60_000;
const all = { groups: queryGroups, snapshots: snapshotGroups };

describe("the full catalogue", () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it("costs one GraphQL request per ten zones and one per account each steady minute", async () => {
    harness = await startHarness({ env: hostMetricsEnv });
    // The first run also reads each account's dataset settings and meets each refusal once.
    const first = await harness.runAll(all);
    harness.clock.advance(minutes(1));
    const accounts = harness.simulator.world.accounts;
    const zonesOf = (id: string) => harness.simulator.world.zones.filter((z) => z.accountId === id).length;
    expect(accounts.map((a) => zonesOf(a.id))).toEqual([4, 2]);
    // One account at a time, as the state machine's Map gives each its own invocation.
    for (const account of accounts) {
      const before = harness.simulator.requests.graphql;
      const summary = await fetchAccount(harness.runtime(all), { id: account.id, name: account.name });
      expect(summary).toMatchObject({ errors: [], datasetsRefused: 0 });
      expect(harness.simulator.requests.graphql - before).toBe(2);
      expect(summary.graphqlRequests).toBe(2);
    }
    // The first run met no refusal either: the bot fields are asked of the Enterprise zone
    // only (firewall-bots' `plans`), where the Business and Pro zones cost one refusal each.
    expect(first.map((s) => ({ errors: s.errors, refused: s.datasetsRefused }))).toEqual([
      { errors: [], refused: 0 },
      { errors: [], refused: 0 },
    ]);
  });

  it("splits a chunk's datasets over several requests when GRAPHQL_MAX_DATASETS_PER_REQUEST says so", async () => {
    harness = await startHarness({ env: { GRAPHQL_MAX_DATASETS_PER_REQUEST: "5", ...hostMetricsEnv } });
    await harness.runAll(all);
    harness.clock.advance(minutes(1));
    const [corp] = harness.simulator.world.accounts;
    if (!corp) throw new Error("default world changed");
    const before = harness.simulator.requests.graphql;
    const summary = await fetchAccount(harness.runtime(all), { id: corp.id, name: corp.name });
    expect(summary.errors).toEqual([]);
    // 22 zone groups in requests of 5, and the 18 account groups in requests of 5.
    expect(harness.simulator.requests.graphql - before).toBe(5 + 4);
  });

  it("counts every group exactly over half an hour of runs, free zones included", async () => {
    harness = await startHarness({ env: hostMetricsEnv });
    for (let run = 0; run < 30; run++) {
      // One run meets an outage (every retry answered 500): nothing is counted then, and
      // the next runs catch up.
      if (run === 10) harness.simulator.faults.add({ kind: "serverError", api: "graphql", times: 1_000 });
      const summaries = await harness.runAll(all);
      harness.simulator.faults.clear();
      if (run !== 10) for (const summary of summaries) expect(summary.errors).toEqual([]);
      harness.clock.advance(minutes(1));
    }
    const result = await recount(harness.simulator, harness.store);
    expect(result.mismatches).toEqual([]);
    expect([...result.checked.keys()].sort()).toEqual(queryGroups.map((g) => g.name).sort());

    // A free zone is collected with what its plan allows: the adaptive HTTP datasets, its
    // headline families included.
    const free = harness.simulator.world.zones.find((z) => z.name === "example.org");
    const freeGroups = new Set(
      (await readAccountShards(harness.store, free?.accountId ?? ""))
        .filter((s) => s.scopeId === free?.id)
        .map((s) => s.group),
    );
    expect([...freeGroups].sort()).toEqual([
      "adaptive-origin-errors",
      "cache-miss-origin-duration",
      "colocation",
      "colocation-errors",
      "colocation-origin-duration",
      "custom-hostnames",
      "dns-zone",
      "edge-status-country-host",
      "hostname-latency",
      "hostname-requests",
      "http-requests-adaptive-breakdowns",
      "http-requests-adaptive-totals",
      "lb-weights",
      "origin-status",
      "request-methods",
      "ssl-certificates",
    ]);

    // The endpoint serves the accounts discovery listed.
    await discoverAccounts(harness.runtime());
    const state = await readState(harness.store, loadConfig({}));
    // Every reference family is served (under its own name, or its documented new one).
    const text = renderText(buildFamilies(state, loadConfig({}), { version: "test", runtime: "node" }));
    const served = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const reference = readFileSync(new URL("../fixtures/reference-families.tsv", import.meta.url), "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("#"))
      .map((line) => line.split("\t")[1] ?? "");
    const missing = reference.flatMap((name) => {
      const renamed = referenceDifferences.find((d) => d.reference === name)?.ours ?? [name];
      return renamed.filter((n) => !served.has(n));
    });
    expect(missing).toEqual([]);
    // Thirty runs of every group against dynalite on a shared machine: a ceiling, not a timing assertion.
  }, 240_000);
});
