import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readAccountShards,
  readShards,
  type Shard,
  ShardConflictError,
  writeShards,
} from "../../lambda/store/shards.ts";
import { foldEvery, ringSize } from "../../lambda/store/slices.ts";
import { createStore, createTable, type Store } from "../../lambda/store/table.ts";
import { type EmbeddedDynamo, startDynalite } from "../../local/dynalite.ts";

const account = "c".repeat(32);
const zone = "d".repeat(32);
const wanted = [{ group: "requests", scopeId: zone, index: 0 }];
let dynamo: EmbeddedDynamo;

/** A container's store: its own client (so its own cache), counting the Queries it sends. */
function container(tableName: string): { store: Store; queries: () => number } {
  const base = createStore(tableName, { endpoint: dynamo.endpoint });
  let queries = 0;
  const send = base.client.send.bind(base.client) as (command: object) => Promise<unknown>;
  const client = new Proxy(base.client, {
    get: (target, name) =>
      name === "send"
        ? (command: object) => {
            if (command.constructor.name === "QueryCommand") queries++;
            return send(command);
          }
        : Reflect.get(target, name),
  });
  return { store: { ...base, client }, queries: () => queries };
}

function advanced(shard: Shard, minute: number): Shard {
  const series = { ...shard.series };
  series[`requests_total{n="${minute % 7}"}`] = {
    v: (series[`requests_total{n="${minute % 7}"}`]?.v ?? 0) + minute,
    f: series[`requests_total{n="${minute % 7}"}`]?.f ?? minute,
    b: minute,
    l: minute,
  };
  return { ...shard, cursor: minute + 60, series };
}

/** One fetcher minute in a container: read (cache or store), advance, write; a conflict re-reads once. */
async function minute(store: Store, minute: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const [read] = await readShards(store, account, wanted, { consistent: attempt > 0 });
    const previous: Shard = read ?? {
      group: "requests",
      scopeId: zone,
      index: 0,
      cursor: 60,
      start: 60,
      series: {},
      lostMinutes: 0,
      dropped: {},
      stored: false,
    };
    if (previous.cursor > minute) return;
    try {
      await writeShards(store, account, [{ previous, next: advanced(previous, minute) }]);
      return;
    } catch (error) {
      if (!(error instanceof ShardConflictError) || attempt > 0) throw error;
    }
  }
}

describe("the warm container's slice cache", () => {
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.close());

  it("reads nothing while it writes alone, and re-reads when another container moved the slice on", async () => {
    const tableName = "slice-cache";
    await createTable(createStore(tableName, { endpoint: dynamo.endpoint }));
    const warm = container(tableName);
    let expected: Shard | undefined;
    const last = 60 * (2 * ringSize + foldEvery);
    for (let at = 60; at <= last; at += 60) {
      // Every 9th minute another container (cold: its own cache) runs the minute first.
      if (at % (9 * 60) === 0) await minute(container(tableName).store, at);
      await minute(warm.store, at);
      const [stored] = await readShards(container(tableName).store, account, wanted);
      expected = advanced(expected ?? { ...(stored as Shard), cursor: 60, series: {} }, at);
      expect(stored?.series).toEqual(expected.series);
      expect(stored?.cursor).toBe(at + 60);
    }
    // Two Queries in the first minute (the zone, then its format-1 items: it has none), three
    // for each minute another container took (the writer's re-read after its condition
    // failed, format 2 and format 1, then the fetcher's consistent re-read), none otherwise.
    const takenOver = Math.floor(last / (9 * 60));
    expect(warm.queries()).toBe(2 + 3 * takenOver);
    const [final] = await readAccountShards(createStore(tableName, { endpoint: dynamo.endpoint }), account);
    expect(final?.series).toEqual(expected?.series);
  });
});
