import { afterEach, describe, expect, it } from "vitest";
import { fetchAccount } from "../../lambda/collect/fetch-account.ts";
import { runMetricsLine } from "../../lambda/collect/run-metrics.ts";
import { createStore } from "../../lambda/store/table.ts";
import type { WorldSpec } from "../../local/simulator/world.ts";
import { type Harness, startHarness } from "./harness.ts";

/**
 * How often a fetcher run finds its zones' state held in the container (the slice cache,
 * store/slice-cache.ts), as its summary and its EMF line report it: the cost model's warm
 * share, measured. One account of three zones, against the simulator over HTTP and dynalite.
 */
const world: WorldSpec = {
  seed: "state-held",
  accounts: [
    {
      name: "Warm",
      zones: ["a", "b", "c"].map((name) => ({ name: `${name}.warm.example`, plan: "business" as const })),
    },
  ],
  tokens: [{ value: "sim-token" }],
};

describe("a fetcher run's zone reads", () => {
  let harness: Harness | undefined;
  afterEach(() => harness?.close());

  it("reads every zone first, holds every zone next, and reads again in a new container", async () => {
    harness = await startHarness({ world });
    const h = harness;
    const account = h.simulator.world.accounts[0];
    if (!account) throw new Error("no account");
    const info = { id: account.id, name: account.name };
    const run = async (store = h.store) => {
      const summary = await fetchAccount(h.runtime({ store }), info);
      expect(summary.errors).toEqual([]);
      h.clock.advance(60_000);
      return summary;
    };
    // Its one query group is per zone: three zones, no account scope read. The first run
    // looks at its chunk twice (first-cycle.ts: whether it may begin, then its collection),
    // the second time from what the first read: each zone counts once, as read.
    const first = await run();
    expect(first).toMatchObject({ zonesCollected: 3, stateZonesHeld: 0, stateZonesRead: 3 });
    const second = await run();
    expect(second).toMatchObject({ zonesCollected: 3, stateZonesHeld: 3, stateZonesRead: 0 });
    expect(second.minutesCounted).toBe(3);
    // A new container: its own client, so its own (empty) slice cache.
    const cold = createStore(h.store.tableName, { endpoint: h.dynamo.endpoint });
    expect(await run(cold)).toMatchObject({ stateZonesHeld: 0, stateZonesRead: 3 });
    expect(await run(cold)).toMatchObject({ stateZonesHeld: 3, stateZonesRead: 0 });

    // The run's line carries both as plain fields (its metrics: test/infra/run-metrics.test.ts).
    const line = JSON.parse(runMetricsLine({ ...second, errorCount: 0 }, h.clock.now(), "ns"));
    expect(line).toMatchObject({ StateZonesHeld: 3, StateZonesRead: 0 });
  });
});
