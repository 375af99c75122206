import type { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { discoverAccounts } from "../../lambda/collect/discovery.ts";
import { staticConfigProvider } from "../../lambda/config/provider.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { createApp } from "../../lambda/serve/app.ts";
import { readState } from "../../lambda/serve/state.ts";
import type { Store } from "../../lambda/store/table.ts";
import type { WorldSpec } from "../../local/simulator/world.ts";
import { type Harness, startHarness } from "../collect/harness.ts";

/**
 * A cold read decodes each page's slices while the next page is on its way
 * (lambda/serve/state.ts `readAccount`). Here the account's range Queries answer two items
 * a page, so its slices come over many pages: the scrape must print what one page gives,
 * and a slice that fails to read on an early page must fail the read (the scrape answers
 * 503) without leaving a rejection unhandled while later pages are read.
 */
const world: WorldSpec = {
  seed: "state-pages",
  accounts: [
    {
      name: "Paged",
      zones: ["a", "b", "c", "d"].map((name) => ({
        name: `${name}.paged.example`,
        plan: "business" as const,
      })),
    },
  ],
  tokens: [{ value: "sim-token" }],
};

type Send = Store["client"]["send"];

/**
 * The store, with its range Queries (`sk <` or `sk >`) answering `limit` items a page, and
 * `fail` called for each Query of a slice's deltas (store/slice-reads.ts `queryRing`):
 * true refuses it.
 */
function pagedStore(store: Store, limit: number, fail: () => boolean = () => false): Store {
  const send = ((command: QueryCommand) => {
    const condition = String(command.input?.KeyConditionExpression);
    if (/sk [<>] :key/.test(condition)) command.input.Limit = limit;
    else if (condition.includes("sk BETWEEN :from AND :to") && fail())
      return Promise.reject(new Error("chain read refused"));
    return store.client.send(command);
  }) as Send;
  return { ...store, client: { ...store.client, send } as Store["client"] };
}

describe("a cold read over many pages", () => {
  let harness: Harness | undefined;
  afterEach(() => harness?.close());

  it("prints what a read of one page prints, and fails whole when a slice of an early page fails", async () => {
    harness = await startHarness({ world });
    const h = harness;
    await discoverAccounts(h.runtime());
    await h.runAll();
    h.clock.advance(60_000);
    await h.runAll();
    const scrape = async (store: Store) => {
      const app = createApp({
        settings: staticConfigProvider({ CLOUDFLARE_API_BASE_URL: h.runtime().config.cloudflareApiBaseUrl }),
        readState: (config) => readState(store, config),
        clock: () => h.clock.now(),
        build: { version: "test", runtime: "node" },
        auth: { required: false, credentials: {} },
        logger: memoryLogger(),
      });
      const response = await app({ method: "GET", path: "/metrics", rawQuery: "", headers: {} });
      return { status: response.status, body: Buffer.from(response.body as Uint8Array).toString("utf8") };
    };
    const whole = await scrape(h.store);
    expect(whole.status).toBe(200);
    let rangeQueries = 0;
    let chainsRead = 0;
    const counted = pagedStore(h.store, 2, () => {
      chainsRead++;
      return false;
    });
    const countingSend = counted.client.send;
    counted.client.send = ((command: QueryCommand) => {
      if (/sk [<>] :key/.test(String(command.input?.KeyConditionExpression))) rangeQueries++;
      return countingSend(command);
    }) as Send;
    expect(await scrape(counted)).toEqual(whole);
    // Many pages: the account's full records and documents, two items at a time.
    expect(rangeQueries).toBe(5);
    expect(chainsRead).toBe(4);

    // The first slice's deltas refused: its page reads no more slices, the later pages'
    // slices are still read (three of the four chains asked for), and the read fails.
    let chainQueries = 0;
    const failing = pagedStore(h.store, 2, () => ++chainQueries === 1);

    expect((await scrape(failing)).status).toBe(503);
    expect(chainQueries).toBe(3);
  });
});
