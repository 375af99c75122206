import { afterEach, describe, expect, it } from "vitest";
import { firewallEvents } from "../../lambda/catalogue/groups/firewall-events.ts";
import { httpRequests1m } from "../../lambda/catalogue/groups/http-requests-1m.ts";
import { snapshotGroups } from "../../lambda/catalogue/snapshots/index.ts";
import { discover } from "../../lambda/handlers/discover.ts";
import { fetchOne } from "../../lambda/handlers/fetch-account.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { scaleWorld } from "../../local/simulator/scale-world.ts";
import { mostIn5Minutes } from "./calls-window.ts";
import { type Harness, startHarness } from "./harness.ts";
import { recount } from "./recount.ts";

/**
 * The first cycle of an estate whose REST reads (firewall rule names, certificates, load
 * balancers, custom hostnames, tunnels) need several times the REST budget: they are spread
 * over the runs that follow, never above the budget, while counting starts at the first
 * run for every zone. A zone whose rule names are not read yet keeps its rule-labelled
 * group at that start and catches up once they are, and snapshots wait while names do:
 * once every read is in, every zone's figures equal ground truth from the first run's start.
 */
const restBudget = 60;
const groups = [httpRequests1m, firewallEvents];

describe("a large estate's first cycle", () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it("spreads its REST reads over the runs within the REST budget, and counts every zone from the start", async () => {
    harness = await startHarness({
      world: scaleWorld(1, 40, 100),
      env: { ZONES_PER_WORK_ITEM: "20", REST_REQUESTS_PER_5_MINUTES: String(restBudget) },
    });
    const h = harness;
    const rest: number[] = [];
    const counting: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.endsWith("/graphql")) rest.push(h.clock.now());
      return fetch(input, init);
    };
    const runtime = () => h.runtime({ groups, snapshots: snapshotGroups, fetch: counting });
    const [account] = h.simulator.world.accounts;
    if (!account) throw new Error("the world has an account");
    const firewallZones = h.simulator.world.zones.filter((zone) => zone.plan !== "free");
    const snapshotsTaken = async () =>
      (await readAccountShards(h.store, account.id)).filter((s) =>
        snapshotGroups.some((g) => g.name === s.group),
      ).length;
    const shardsOf = async (group: string) =>
      (await readAccountShards(h.store, account.id)).filter((s) => s.group === group);
    // Paid zones whose chunk has not begun, and firewall shards stored at their start, uncounted.
    const notBegun = async () => firewallZones.length - (await shardsOf(httpRequests1m.name)).length;
    const waiting = async () =>
      (await shardsOf(firewallEvents.name)).filter((s) => s.cursor === s.start).length;
    const progress: [number, number, number][] = [];
    for (let minute = 0; minute < 30; minute++) {
      const scheduledTime = new Date(h.clock.now()).toISOString();
      const { accounts: items } = await discover(runtime(), { scheduledTime });
      await Promise.all(items.map((item) => fetchOne(runtime(), item)));
      if (minute % 5 === 4) progress.push([await notBegun(), await waiting(), await snapshotsTaken()]);
      h.clock.set(Math.max(h.clock.now(), Date.parse(scheduledTime) + 60_000));
    }
    // The first cycle's reads: the zone list, the rule names of the 30 paid zones (a list
    // and three rulesets each), the 40 zones' certificates, load balancers (and pools) and
    // custom hostnames, the account's tunnels: about 4.5 times the budget. Plus one: the two
    // work items share the REST budget in the order their runs reach it, which follows each
    // run's timing; reading a run's due chunks together and writing them after their
    // requests (zone-stage.ts) moves that order, and one zone's load balancers are read
    // twice (collected one chunk at a time, as with graphqlConcurrency 1: 268).
    expect(rest.length).toBe(269);
    expect(mostIn5Minutes(rest)).toBe(restBudget);
    // Each budget whole as soon as the window has room for it (the sliding window counts
    // 10-second slots, so the minute after the fifth), then nothing until the next; once
    // every name is read, snapshots take the budget as its slots free.
    const first = Date.UTC(2026, 10, 20, 12, 0, 30);
    const perMinute = Array.from(
      { length: 30 },
      (_, m) => rest.filter((t) => Math.floor((t - first) / 60_000) === m).length,
    );
    expect(perMinute).toEqual([
      60, 0, 0, 0, 0, 0, 60, 0, 0, 0, 0, 0, 5, 55, 0, 0, 0, 0, 5, 55, 0, 0, 0, 0, 5, 24, 0, 0, 0, 0,
    ]);
    // Every 5 minutes: paid zones not begun, firewall groups waiting at their start for
    // their names, and snapshots taken. Names go first: snapshots wait while any name does.
    // The two items' runs reach the REST budget in the order of their timing: with the
    // account's own datasets collected beside the zones (fetch-account.ts), the first
    // item's snapshots start a request sooner, and one more is taken by minute 14 (50
    // with the stages one after another); the totals are the same.
    expect(progress).toEqual([
      [0, 16, 0],
      [0, 1, 0],
      [0, 0, 51],
      [0, 0, 94],
      [0, 0, 98],
      [0, 0, 121],
    ]);
    // Every paid zone's firewall events are counted from the first run's start, as the rest.
    const start = Date.UTC(2026, 10, 20, 10, 55) / 1000;
    const shards = await readAccountShards(h.store, account.id);
    const firewall = shards.filter((s) => s.group === firewallEvents.name);
    expect(firewall.map((s) => s.start)).toEqual(firewallZones.map(() => start));
    expect(new Set(shards.filter((s) => s.group === httpRequests1m.name).map((s) => s.start))).toEqual(
      new Set([start]),
    );
    expect((await recount(h.simulator, h.store, undefined, groups)).mismatches).toEqual([]);
  }, 600_000);
});
