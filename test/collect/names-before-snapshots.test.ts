import { afterEach, describe, expect, it } from "vitest";
import { firewallEvents } from "../../lambda/catalogue/groups/firewall-events.ts";
import { snapshotGroups } from "../../lambda/catalogue/snapshots/index.ts";
import { fetchAccount } from "../../lambda/collect/fetch-account.ts";
import { readRuleNamesWait } from "../../lambda/store/rule-names-wait.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { type Harness, start, startHarness } from "./harness.ts";
import { rulesetsOutOfBudget } from "./rest-helpers.ts";

/**
 * Firewall rule names go before snapshots on the REST budget: a zone's rule-labelled
 * groups count only once its names are read, while a snapshot taken late only keeps its last. A run that finds names
 * waiting for the budget notes it for two minutes, and every fetcher's snapshots wait
 * while the note holds.
 */

describe("rule names before snapshots", () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it("holds every snapshot back while names wait for REST budget, and takes them once none does", async () => {
    harness = await startHarness();
    const h = harness;
    const options = { groups: [firewallEvents], snapshots: snapshotGroups };
    const snapshotShards = async () => {
      let n = 0;
      for (const account of h.simulator.world.accounts)
        n += (await readAccountShards(h.store, account.id)).filter((s) =>
          snapshotGroups.some((g) => g.name === s.group),
        ).length;
      return n;
    };
    const runAll = (outOfBudget: boolean) =>
      Promise.all(
        h.simulator.world.accounts.map((account) => {
          const deps = h.runtime(options);
          return fetchAccount(outOfBudget ? rulesetsOutOfBudget(deps) : deps, {
            id: account.id,
            name: account.name,
          });
        }),
      );

    await runAll(true);
    expect(await readRuleNamesWait(h.store)).toBe(start + 120_000);
    expect(await snapshotShards()).toBe(0);
    // A minute on the names are read, but the note still holds: the snapshots wait a minute more.
    h.clock.advance(60_000);
    await runAll(false);
    expect(await readRuleNamesWait(h.store)).toBe(start + 120_000);
    expect(await snapshotShards()).toBe(0);
    // Once it has passed, every snapshot of every zone and account is taken.
    h.clock.advance(60_000);
    await runAll(false);
    // Six zones of three zone groups (certificates, load balancers, custom hostnames), two
    // accounts of one (tunnels).
    const { zones, accounts } = h.simulator.world;
    expect([zones.length, accounts.length]).toEqual([6, 2]);
    expect(await snapshotShards()).toBe(6 * 3 + 2 * 1);
  });
});
