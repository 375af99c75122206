import { afterEach, describe, expect, it } from "vitest";
import { firewallEvents } from "../../lambda/catalogue/groups/firewall-events.ts";
import { httpRequests1m } from "../../lambda/catalogue/groups/http-requests-1m.ts";
import { fetchAccount } from "../../lambda/collect/fetch-account.ts";
import { floorMinute } from "../../lambda/lib/time.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { type Harness, startHarness } from "./harness.ts";
import { recount } from "./recount.ts";
import { rulesetsOutOfBudget } from "./rest-helpers.ts";

/**
 * A large estate's first cycle spends the REST budget before every zone's firewall rule
 * names are read. Counting those zones' rules by ID now and by name later would split each
 * rule's series in two; the zones' rule-labelled groups wait for their names instead.
 */
const minutes = (n: number) => n * 60_000;

describe("firewall rule names out of REST budget", () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it("keeps the zones' rule-labelled series waiting, then counts them by name, exactly", async () => {
    harness = await startHarness();
    const groups = [firewallEvents];
    const zones = harness.simulator.world.zones.filter((zone) => zone.firewallRules.length > 0);
    await Promise.all(
      harness.simulator.world.accounts.map((account) =>
        fetchAccount(rulesetsOutOfBudget(harness.runtime({ groups })), {
          id: account.id,
          name: account.name,
        }),
      ),
    );
    const firewallShards = async () => {
      const shards = [];
      for (const account of harness.simulator.world.accounts)
        shards.push(
          ...(await readAccountShards(harness.store, account.id)).filter(
            (shard) => shard.group === firewallEvents.name,
          ),
        );
      return shards;
    };
    // The first run's start: 12:00:30 less the 5-minute delay, cut to the minute, less the hour's lookback.
    const firstStart = Date.UTC(2026, 10, 20, 10, 55) / 1000;
    // No zone's firewall events were counted without names: their shards wait at the start, empty.
    expect(
      (await firewallShards()).map((s) => ({ start: s.start, cursor: s.cursor, series: s.series })),
    ).toEqual(Array(4).fill({ start: firstStart, cursor: firstStart, series: {} }));
    for (let run = 0; run < 3; run++) {
      harness.clock.advance(minutes(5));
      await harness.runAll({ groups });
    }
    expect(zones.map((zone) => zone.name).sort()).toEqual([
      "example-blog.net",
      "example-shop.com",
      "example.com",
      "example.org",
      "sideproject.app",
      "sideproject.dev",
    ]);
    // The zones whose plan has firewall events, counted from the first run's start once named.
    const caughtUp = await firewallShards();
    expect(caughtUp.map((s) => [s.start, s.cursor])).toEqual(
      Array(4).fill([firstStart, Date.UTC(2026, 10, 20, 12, 10) / 1000]),
    );
    // Labelled by ID in the first run and by name after, 728 series differed from the recount.
    expect((await recount(harness.simulator, harness.store, undefined, groups)).mismatches).toEqual([]);
  });

  it("under widening, asks for waiting names every minute and catches their groups up at once, not at the chunk's next turn", async () => {
    harness = await startHarness();
    const h = harness;
    const groups = [httpRequests1m, firewallEvents];
    const widened = { everyMinutes: 5 };
    // One zone's names wait; the other zones of its chunk have theirs.
    const heldBack = h.simulator.world.zones.find((zone) => zone.name === "example.com");
    if (!heldBack) throw new Error("the world has example.com");
    const shardsOf = async (group: string) => {
      const shards = [];
      for (const account of h.simulator.world.accounts)
        shards.push(...(await readAccountShards(h.store, account.id)).filter((s) => s.group === group));
      return shards.sort((a, b) => a.scopeId.localeCompare(b.scopeId));
    };
    const runMinute = (outOfBudget: boolean) =>
      Promise.all(
        h.simulator.world.accounts.map((account) => {
          const deps = h.runtime({ groups });
          const run = outOfBudget ? rulesetsOutOfBudget(deps, heldBack.id) : deps;
          return fetchAccount(run, { id: account.id, name: account.name }, widened);
        }),
      );
    // Each account's one chunk begins in its turn (one minute in five).
    let ran = 0;
    while ((await shardsOf(httpRequests1m.name)).length < 4 && ran < 10) {
      await runMinute(true);
      h.clock.advance(minutes(1));
      ran += 1;
    }
    // Both chunks (four zones with the datasets) had begun by the third minute; the held
    // back zone's firewall group waits at its start, the others count with the chunk.
    expect(ran).toBe(3);
    const begun = await shardsOf(httpRequests1m.name);
    const cursorOf = new Map(begun.map((s) => [s.scopeId, s.cursor]));
    const firewall = await shardsOf(firewallEvents.name);
    expect(firewall.map((s) => [s.scopeId, s.cursor])).toEqual(
      firewall.map((s) => [s.scopeId, s.scopeId === heldBack.id ? s.start : cursorOf.get(s.scopeId)]),
    );
    expect(firewall.filter((s) => s.cursor === s.start).map((s) => s.scopeId)).toEqual([heldBack.id]);
    // The next minute the chunks are not due, and its names can be read: its firewall group
    // catches up to the countable end (now less the 5-minute delay, cut to the minute) at
    // once; the others' and the chunks' own turn do not move.
    await runMinute(false);
    const end = floorMinute(h.clock.now() / 1000 - 300);
    expect((await shardsOf(firewallEvents.name)).map((s) => [s.scopeId, s.cursor])).toEqual(
      firewall.map((s) => [s.scopeId, s.scopeId === heldBack.id ? end : cursorOf.get(s.scopeId)]),
    );
    expect((await shardsOf(httpRequests1m.name)).map((s) => s.cursor)).toEqual(begun.map((s) => s.cursor));
    expect((await recount(h.simulator, h.store, undefined, groups)).mismatches).toEqual([]);
  });
});
