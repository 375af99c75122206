import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { colocation } from "../../lambda/catalogue/groups/colocation.ts";
import { httpRequests1m } from "../../lambda/catalogue/groups/http-requests-1m.ts";
import { originStatus } from "../../lambda/catalogue/groups/origin-status.ts";
import { discoverAccounts } from "../../lambda/collect/discovery.ts";
import { fetchAccount } from "../../lambda/collect/fetch-account.ts";
import { staticConfigProvider } from "../../lambda/config/provider.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { createApp } from "../../lambda/serve/app.ts";
import { coldEvery, createScrapeCache, type ScrapeCache } from "../../lambda/serve/scrape-cache.ts";
import { readState } from "../../lambda/serve/state.ts";
import { readStateWarm } from "../../lambda/serve/warm-state.ts";
import { createStore, keys, type Store } from "../../lambda/store/table.ts";
import { type Harness, startHarness } from "../collect/harness.ts";

/**
 * A warm scrape (a container that keeps what it read and reads only what changed) against
 * a cold one (every item of every account), after every minute of the real fetcher writing
 * to dynalite: the same bytes, whatever happened in between. The ring of deltas goes round
 * three times; slices fold; series and shards appear (a group added, a zone added); another
 * container's writer moves slices on; and the warm container misses 40 minutes, more than
 * its ring holds, so it must read those slices whole. The warm container's endpoint also
 * starts each family's sort from its last one (exposition/model.ts).
 */
const groupsFirst = [httpRequests1m, colocation];
const groupsLater = [httpRequests1m, colocation, originStatus];

interface Reads {
  /** Queries of an account's items other than deltas (two per whole read: the keys either side of them). */
  accountQueries: number;
  /** Gets of one slice's full record (a slice read whole). */
  sliceGets: number;
  /** Queries of ring slots: the deltas after a full record (a slice read whole), or after a held write (warm). */
  deltaQueries: number;
  batchGets: number;
  /** Keys the BatchGets asked for: the few other items of each account. */
  batchKeys: number;
}

/** The store as a scrape sees it, with each kind of read it makes counted. */
function countingStore(store: Store, reads: Reads): Store {
  const send = (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const name = command.constructor.name;
    const values = command.input.ExpressionAttributeValues as Record<string, unknown> | undefined;
    if (name === "BatchGetCommand") {
      reads.batchGets++;
      for (const request of Object.values(command.input.RequestItems as Record<string, { Keys: unknown[] }>))
        reads.batchKeys += request.Keys.length;
    } else if (
      name === "GetCommand" &&
      String((command.input.Key as { sk: string }).sk).startsWith(keys.fullPrefix)
    )
      reads.sliceGets++;
    else if (name === "QueryCommand" && values?.[":from"] !== undefined) reads.deltaQueries++;
    else if (
      name === "QueryCommand" &&
      [keys.deltaPrefix, keys.deltaEnd].some((key) => key === values?.[":key"])
    )
      reads.accountQueries++;
    return store.client.send(command as never);
  };
  return { ...store, client: { send } as unknown as Store["client"] };
}

describe("a warm scrape", () => {
  let harness: Harness;
  const reads: Reads = { accountQueries: 0, sliceGets: 0, deltaQueries: 0, batchGets: 0, batchKeys: 0 };
  let cache: ScrapeCache;
  let scrape: (warm: boolean, accept?: string) => Promise<string>;

  beforeAll(async () => {
    harness = await startHarness({ env: { ZONE_LIST_CACHE_TTL_SECONDS: "60" } });
    cache = createScrapeCache();
    const counted = countingStore(harness.store, reads);
    const newApp = (warm: boolean) =>
      createApp({
        settings: staticConfigProvider({
          CLOUDFLARE_API_BASE_URL: harness.runtime().config.cloudflareApiBaseUrl,
        }),
        readState: (config) =>
          warm ? readStateWarm(counted, config, cache) : readState(harness.store, config),
        clock: () => harness.clock.now(),
        build: { version: "test", runtime: "node" },
        auth: { required: false, credentials: {} },
        logger: memoryLogger(),
      });
    // The warm container's app lives on (it also keeps each family's last sort); a cold one is new.
    const warmApp = newApp(true);
    scrape = async (warm, accept) => {
      const response = await (warm ? warmApp : newApp(false))({
        method: "GET",
        path: "/metrics",
        rawQuery: "",
        headers: accept ? { accept } : {},
      });
      expect(response.status).toBe(200);
      return String(response.body);
    };
  });
  afterAll(async () => {
    await harness.close();
  });

  it("prints what a cold scrape prints after every minute, reading only what changed", async () => {
    const zones = harness.simulator.world.zones;
    const late = zones.splice(zones.length - 1, 1);
    // Another container's writer: its own client, holding none of the slices.
    const other = createStore(harness.store.tableName, { endpoint: harness.dynamo.endpoint });
    const phases: Record<number, Reads> = {};
    let mismatches = 0;
    let compared = 0;
    for (let minute = 1; minute <= 110; minute++) {
      if (minute === 12) zones.push(...late);
      const groups = minute < 30 ? groupsFirst : groupsLater;
      await discoverAccounts(harness.runtime());
      if (minute >= 40 && minute < 45)
        await Promise.all(
          harness.simulator.world.accounts.map((account) =>
            fetchAccount({ ...harness.runtime({ groups }), store: other }, account),
          ),
        );
      else await harness.runAll({ groups });
      harness.clock.advance(60_000);
      // The warm container is not scraped for 40 minutes: its slices' rings went round.
      if (minute > 60 && minute <= 100) continue;
      const accept = minute % 10 === 0 ? "application/openmetrics-text; version=1.0.0" : undefined;
      const before = { ...reads };
      const warm = await scrape(true, accept);
      if ([1, 2, 12, 13, 30, 31, 101, 102].includes(minute))
        phases[minute] = Object.fromEntries(
          Object.entries(reads).map(([k, v]) => [k, v - before[k as keyof Reads]]),
        ) as unknown as Reads;
      const cold = await scrape(false, accept);
      compared++;
      if (warm !== cold) mismatches++;
      expect(warm).toBe(cold);
    }
    expect({ compared, mismatches }).toEqual({ compared: 70, mismatches: 0 });
    const reading = (
      accountQueries: number,
      sliceGets: number,
      deltaQueries: number,
      batchGets: number,
      batchKeys: number,
    ) => ({ accountQueries, sliceGets, deltaQueries, batchGets, batchKeys });
    expect(phases).toEqual({
      // The first scrape reads both accounts whole: per account, its items but the deltas
      // (two Queries, the keys either side of them), then one Query of the deltas after each
      // slice's full record (ten slices, each written once: its full record, nothing after
      // it). Then, per account, one BatchGet of its zone list, status, push journal and slice
      // index, and one Query of every slice's ring from its next write's slot (two slots:
      // that write and the next, none yet).
      1: reading(4, 0, 10, 0, 0),
      2: reading(0, 0, 10, 2, 2 * 4),
      // The new zone's two slices, found in the index, read whole: each one's full record
      // (a Get) and one Query of the deltas after it.
      12: reading(0, 2, 10 + 2, 2, 2 * 4),
      13: reading(0, 0, 12, 2, 2 * 4),
      // A new group's shards come as new shards in the slices' deltas.
      30: reading(0, 0, 12, 2, 2 * 4),
      31: reading(0, 0, 12, 2, 2 * 4),
      // 40 writes later every slice's ring went round past what is held (one Query each
      // finds a newer write in the next one's slot): read whole. The
      // deltas after a full record are read in one Query, with as many slots as the slices
      // read before found after the same full record, and one more (the first slice of an
      // account, read alone, four deltas after write 97: one Query of nine slots). The late
      // zone's two slices fold at other writes: no hint, nine slots a Query, and the 25
      // deltas after their write 65 take three Queries each: 12 + 4 Queries.
      101: reading(0, 12, 12 + 16, 2, 2 * 4),
      // Every `coldEvery` scrapes an account is read whole anyway (one write later: the same Queries).
      102: reading(4, 0, 16, 0, 0),
    });
    // 68 warm scrapes of two accounts, each account one BatchGet of four keys. Besides the
    // 44 Queries of slices read whole, one ring Query per held slice a warm scrape (794),
    // and one more (slot 0) for each slice whose next write lay in the ring's last slot
    // (writes 33, 65, 97…): the first ten slices' write 33 at minute 33, the late zone's
    // two's write 33 at minute 44 and 97 at minute 108.
    expect(reads).toEqual(reading(8, 14, 44 + 794 + 14, 68 * 2, 68 * 2 * 4));
    expect(coldEvery).toBe(60);
  }, 600_000);
});
