import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { cloudflareTunnels } from "../../../lambda/catalogue/snapshots/cloudflare-tunnels.ts";
import { readAccountShards } from "../../../lambda/store/shards.ts";
import { type Harness, startHarness } from "../../collect/harness.ts";

/**
 * The cloudflare-tunnels snapshot against the simulator's REST tunnels API, as a run takes
 * it. Expected values are written from the default world by hand: Example Corp runs
 * office-connector (healthy, two connections each to IAD and FRA) and lab-connector
 * (degraded, one open connection to IAD and one pending reconnect to EWR), and deleted
 * old-connector; Side Project has one inactive tunnel without connections.
 */
describe("cloudflare-tunnels", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ env: { INITIAL_LOOKBACK_SECONDS: "60" } });
    await harness.runAll({ groups: [], snapshots: [cloudflareTunnels] });
  });
  afterAll(() => harness.close());

  async function seriesOf(accountName: string): Promise<Map<string, number>> {
    const account = harness.simulator.world.accounts.find((a) => a.name === accountName);
    if (!account) throw new Error(accountName);
    const out = new Map<string, number>();
    for (const shard of await readAccountShards(harness.store, account.id)) {
      expect(shard.group).toBe("cloudflare-tunnels");
      for (const [key, state] of Object.entries(shard.series)) out.set(key, state.v);
    }
    return out;
  }

  const idOf = (accountName: string, tunnelName: string) =>
    harness.simulator.world.accounts
      .find((a) => a.name === accountName)
      ?.cloudflaredTunnels.find((t) => t.name === tunnelName)?.id ?? "";

  function states(account: string, accountName: string, name: string, current: string): [string, number][] {
    const labels = { account, tunnel_id: idOf(accountName, name), tunnel_name: name };
    return ["healthy", "degraded", "down", "inactive"].map((status) => [
      seriesKey("cloudflare_tunnel_status", { ...labels, status }),
      status === current ? 1 : 0,
    ]);
  }

  it("exports each live tunnel's status and its open connections per colo; deleted tunnels not at all", async () => {
    const corp = (name: string, colo: string, open: number): [string, number] => [
      seriesKey("cloudflare_tunnel_connections", {
        account: "example-corp",
        tunnel_id: idOf("Example Corp", name),
        tunnel_name: name,
        colo,
      }),
      open,
    ];
    expect(await seriesOf("Example Corp")).toEqual(
      new Map([
        ...states("example-corp", "Example Corp", "office-connector", "healthy"),
        ...states("example-corp", "Example Corp", "lab-connector", "degraded"),
        // Two connections to one colo are one series of 2; a pending reconnect is not open.
        corp("office-connector", "IAD", 2),
        corp("office-connector", "FRA", 2),
        corp("lab-connector", "IAD", 1),
      ]),
    );
    expect(await seriesOf("Side Project")).toEqual(
      new Map(states("side-project", "Side Project", "home", "inactive")),
    );
  });
});
