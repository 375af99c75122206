import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { customHostnames } from "../../../lambda/catalogue/snapshots/custom-hostnames.ts";
import { readAccountShards } from "../../../lambda/store/shards.ts";
import { type Harness, startHarness } from "../../collect/harness.ts";

/**
 * The custom-hostnames snapshot against the simulator's REST custom hostnames API, as a run
 * takes it. Expected values by hand from the default world: the Business zone
 * example-shop.com and the Enterprise zone example.com each serve customer-a (live, its
 * certificate active), customer-b (live, certificate pending validation, no expiry yet) and
 * customer-c (pending, certificate initializing); the other zones have none.
 */
describe("custom-hostnames", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ env: { INITIAL_LOOKBACK_SECONDS: "60" } });
    await harness.runAll({ groups: [], snapshots: [customHostnames] });
  });
  afterAll(() => harness.close());

  it("exports each custom hostname's status, its certificate's status and expiry, for the zones that have them", async () => {
    const stored = new Map<string, number>();
    for (const account of harness.simulator.world.accounts) {
      for (const shard of await readAccountShards(harness.store, account.id)) {
        expect(shard.group).toBe("custom-hostnames");
        for (const [key, state] of Object.entries(shard.series)) stored.set(key, state.v);
      }
    }
    const want = new Map<string, number>();
    for (const zone of ["example.com", "example-shop.com"]) {
      const base = zone.split(".")[0];
      const expiresOn = harness.simulator.world.zones.find((z) => z.name === zone)?.customHostnames[0]
        ?.sslExpiresOn;
      const on = (family: string, custom: string, status: string) =>
        want.set(seriesKey(family, { zone, custom_hostname: `${base}.${custom}.test`, status }), 1);
      on("cloudflare_zone_custom_hostname_status", "customer-a", "active");
      on("cloudflare_zone_custom_hostname_status", "customer-b", "active");
      on("cloudflare_zone_custom_hostname_status", "customer-c", "pending");
      on("cloudflare_zone_custom_hostname_ssl_status", "customer-a", "active");
      on("cloudflare_zone_custom_hostname_ssl_status", "customer-b", "pending_validation");
      on("cloudflare_zone_custom_hostname_ssl_status", "customer-c", "initializing");
      want.set(
        seriesKey("cloudflare_zone_custom_hostname_ssl_expiry_timestamp_seconds", {
          zone,
          custom_hostname: `${base}.customer-a.test`,
        }),
        Date.parse(expiresOn ?? "") / 1000,
      );
    }
    expect(stored).toEqual(want);
    // A whole second in 2027: the expiry is the certificate's, not a default.
    const expiries = [...stored].filter(([key]) => key.includes("expiry"));
    expect(expiries).toHaveLength(2);
    for (const [, value] of expiries) expect(value > Date.UTC(2027, 0, 1) / 1000).toBe(true);
  });
});
