import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverAccounts } from "../../lambda/collect/discovery.ts";
import { staticConfigProvider } from "../../lambda/config/provider.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { createApp } from "../../lambda/serve/app.ts";
import { readState } from "../../lambda/serve/state.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { serveHttp } from "../../local/serve-http.ts";
import { truth } from "../collect/exact.ts";
import { type Harness, startHarness } from "../collect/harness.ts";

describe("collected counters scraped over HTTP", () => {
  let harness: Harness;
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    harness = await startHarness();
    await discoverAccounts(harness.runtime()); // the state machine's discover step
    for (let run = 0; run < 10; run++) {
      await harness.runAll();
      harness.clock.advance(60_000);
    }
    const deps = harness.runtime();
    const app = createApp({
      settings: staticConfigProvider({ CLOUDFLARE_API_BASE_URL: deps.config.cloudflareApiBaseUrl }),
      readState: (config) => readState(harness.store, config),
      clock: () => harness.clock.now(),
      build: { version: "test", runtime: process.version },
      auth: { required: true, credentials: { basic: { user: "prometheus", password: "a:b" } } },
      logger: memoryLogger(),
    });
    const served = await serveHttp(app, 0);
    url = served.url;
    close = () => new Promise((resolve) => served.server.close(() => resolve()));
  });
  afterAll(async () => {
    await close();
    await harness.close();
  });

  it("shows every zone's counters equal to ground truth, with their counted range", async () => {
    const response = await fetch(`${url}/metrics`, {
      headers: { authorization: `Basic ${Buffer.from("prometheus:a:b").toString("base64")}` },
    });
    expect(response.status).toBe(200);
    const lines = (await response.text()).split("\n");
    for (const account of harness.simulator.world.accounts) {
      for (const shard of await readAccountShards(harness.store, account.id)) {
        const zone = harness.simulator.world.zones.find((z) => z.id === shard.scopeId);
        if (!zone) throw new Error("unknown zone");
        const requests = truth(harness.simulator, zone.id, "sum.requests", [[shard.start, shard.cursor]]);
        expect(lines).toContain(`cloudflare_zone_requests_total{zone="${zone.name}"} ${requests}`);
        const labels = `account="${account.name}",query="http-requests-1m",zone="${zone.name}"`;
        expect(lines).toContain(
          `cloudflare_exporter_collected_until_timestamp_seconds{${labels}} ${shard.cursor}`,
        );
      }
    }
    expect(lines).toContain("cloudflare_zones 6");
    expect(lines).toContain("cloudflare_zones_processed 4");
    // No account is in CF_FREE_TIER_ACCOUNTS: no zone is skipped (its two Free-plan zones are
    // collected with what their plan allows, so they were wrongly counted as skipped before).
    expect(lines).toContain("cloudflare_zones_skipped_free_tier 0");
  });

  it("refuses a scrape without credentials", async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(401);
  });
});
