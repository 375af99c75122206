import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readAccountShards,
  readShards,
  type Shard,
  ShardConflictError,
  writeShards,
} from "../../lambda/store/shards.ts";
import { zoneReadsOf, zonesOfRun } from "../../lambda/store/slice-cache.ts";
import { foldEvery, ringSize } from "../../lambda/store/slices.ts";
import { createStore, createTable, keys, type Store } from "../../lambda/store/table.ts";
import { type EmbeddedDynamo, startDynalite } from "../../local/dynalite.ts";
import { blankShard } from "./blank-shard.ts";

const account = "c".repeat(32);
const zone = "d".repeat(32);
const wanted = [{ group: "requests", scopeId: zone, index: 0 }];
let dynamo: EmbeddedDynamo;

/** The Queries a container sent, by what they read. */
interface Queries {
  fullRecords: number;
  deltas: number;
  format2: number;
  format1: number;
}

/** A container's store: its own client (so its own cache), counting the Queries it sends. */
function container(tableName: string): { store: Store; queries: Queries } {
  const base = createStore(tableName, { endpoint: dynamo.endpoint });
  const queries: Queries = { fullRecords: 0, deltas: 0, format2: 0, format1: 0 };
  const send = base.client.send.bind(base.client) as (command: object) => Promise<unknown>;
  const client = new Proxy(base.client, {
    get: (target, name) =>
      name === "send"
        ? (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
            if (command.constructor.name === "QueryCommand") {
              const values = command.input.ExpressionAttributeValues as Record<string, string>;
              const key = values[":key"] ?? values[":from"] ?? "";
              if (key.startsWith(keys.fullPrefix)) queries.fullRecords++;
              else if (key.startsWith(keys.deltaPrefix)) queries.deltas++;
              else if (key.startsWith(keys.format2Prefix)) queries.format2++;
              else if (key === keys.format1From) queries.format1++;
            }
            return send(command);
          }
        : Reflect.get(target, name),
  });
  return { store: { ...base, client }, queries };
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
    const previous: Shard = read ?? blankShard(zone);
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
    let deltaReadsAlone = 0;
    for (let at = 60; at <= last; at += 60) {
      // Every 9th minute another container (cold: its own cache) runs the minute first.
      const takenOver = at % (9 * 60) === 0;
      if (takenOver) await minute(container(tableName).store, at);
      const deltaReads = warm.queries.deltas;
      await minute(warm.store, at);
      if (!takenOver) deltaReadsAlone += warm.queries.deltas - deltaReads;
      const [stored] = await readShards(container(tableName).store, account, wanted);
      expected = advanced(expected ?? { ...(stored as Shard), cursor: 60, series: {} }, at);
      expect(stored?.series).toEqual(expected.series);
      expect(stored?.cursor).toBe(at + 60);
    }
    // In the first minute, the zone's full records (none), then its items in formats 2 and 1
    // (none); for each minute another container took, the full records twice (the writer's
    // re-read after its condition failed, then the fetcher's consistent re-read), formats 2 and 1
    // once (the writer's re-read), and the deltas after the full record (below); no read otherwise.
    const takenOver = Math.floor(last / (9 * 60));
    const { deltas: _deltas, ...others } = warm.queries;
    expect(others).toEqual({
      fullRecords: 1 + 2 * takenOver,
      format2: 1 + takenOver,
      format1: 1 + takenOver,
    });
    expect(deltaReadsAlone).toBe(0);
    // Each of those 22 re-reads follows the chain after the full record in Queries of up to
    // nine slots (slice-reads.ts: no hint within one read of one slice): 44 in all.
    expect(warm.queries.deltas).toBe(44);
    const [final] = await readAccountShards(createStore(tableName, { endpoint: dynamo.endpoint }), account);
    expect(final?.series).toEqual(expected?.series);
  });

  it("counts the zones it held and those it read, but not a consistent re-read", async () => {
    const tableName = "zone-reads";
    await createTable(createStore(tableName, { endpoint: dynamo.endpoint }));
    const { store } = container(tableName);
    const other = "e".repeat(32);
    const both = [...wanted, { group: "requests", scopeId: other, index: 0 }];
    const reads = () => Object.fromEntries(zoneReadsOf(store, account));
    const [read] = await readShards(store, account, wanted);
    expect(read).toBeUndefined();
    const first = zoneReadsOf(store, account);
    expect(reads()).toEqual({ [zone]: { held: 0, read: 1 } });
    // The zone read above is held (as empty), the other one is not.
    await readShards(store, account, both);
    expect(reads()).toEqual({ [zone]: { held: 1, read: 1 }, [other]: { held: 0, read: 1 } });
    await readShards(store, account, both, { consistent: true });
    expect(reads()).toEqual({ [zone]: { held: 1, read: 1 }, [other]: { held: 0, read: 1 } });
    await readShards(store, account, both);
    expect(reads()).toEqual({ [zone]: { held: 2, read: 1 }, [other]: { held: 1, read: 1 } });
    // As a run sees them: a zone read from the table at least once counts as read, once.
    expect(zonesOfRun(first, zoneReadsOf(store, account))).toEqual({ held: 1, read: 1 });
    expect(zonesOfRun(new Map(), zoneReadsOf(store, account))).toEqual({ held: 0, read: 2 });
    // Another account's reads are its own; a new container (its own client) starts from nothing.
    expect(zoneReadsOf(store, "f".repeat(32)).size).toBe(0);
    const fresh = container(tableName).store;
    await readShards(fresh, account, both);
    expect(Object.fromEntries(zoneReadsOf(fresh, account))).toEqual({
      [zone]: { held: 0, read: 1 },
      [other]: { held: 0, read: 1 },
    });
  });
});
