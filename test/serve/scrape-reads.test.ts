import { afterEach, describe, expect, it } from "vitest";
import { discoverAccounts } from "../../lambda/collect/discovery.ts";
import { staticConfigProvider } from "../../lambda/config/provider.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { createApp } from "../../lambda/serve/app.ts";
import { createScrapeCache } from "../../lambda/serve/scrape-cache.ts";
import { readState } from "../../lambda/serve/state.ts";
import { readStateWarm } from "../../lambda/serve/warm-state.ts";
import type { WorldSpec } from "../../local/simulator/world.ts";
import { type Harness, startHarness } from "../collect/harness.ts";

/**
 * The line a scrape logs: how many accounts came from what the serve container held (only
 * new deltas read) and how many were read whole, against dynalite written by the real fetcher.
 */
const world: WorldSpec = {
  seed: "scrape-reads",
  accounts: [
    {
      name: "Warm",
      zones: ["a", "b", "c"].map((name) => ({ name: `${name}.warm.example`, plan: "business" as const })),
    },
  ],
  tokens: [{ value: "sim-token" }],
};

const line = (accountsHeld: number, accountsRead: number) => ({
  level: "info",
  message: "scrape read the stored state",
  accountsHeld,
  accountsRead,
});

describe("a scrape's log line", () => {
  let harness: Harness | undefined;
  afterEach(() => harness?.close());

  it("says which accounts the container held and which it read whole", async () => {
    harness = await startHarness({ world });
    const h = harness;
    await discoverAccounts(h.runtime());
    const minute = async () => {
      await h.runAll();
      h.clock.advance(60_000);
    };
    await minute();
    const newApp = (warm: boolean) => {
      const logger = memoryLogger();
      const cache = createScrapeCache();
      const app = createApp({
        settings: staticConfigProvider({ CLOUDFLARE_API_BASE_URL: h.runtime().config.cloudflareApiBaseUrl }),
        readState: (config) => (warm ? readStateWarm(h.store, config, cache) : readState(h.store, config)),
        clock: () => h.clock.now(),
        build: { version: "test", runtime: "node" },
        auth: { required: false, credentials: {} },
        logger,
      });
      const get = async (path: string) => {
        const response = await app({ method: "GET", path, rawQuery: "", headers: {} });
        expect(response.status).toBe(200);
      };
      return { get, lines: logger.lines };
    };

    const warm = newApp(true);
    await warm.get("/metrics");
    expect(warm.lines).toEqual([line(0, 1)]);
    await minute();
    await warm.get("/metrics");
    expect(warm.lines).toEqual([line(0, 1), line(1, 0)]);
    // Only a metrics scrape logs it: the status page and /health read the state too.
    await warm.get("/");
    await warm.get("/health");
    expect(warm.lines).toHaveLength(2);

    // A reader that keeps nothing reads every account whole.
    const cold = newApp(false);
    await cold.get("/metrics");
    expect(cold.lines).toEqual([line(0, 1)]);
  });
});
