import { gzipSync } from "node:zlib";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeSliceColumns } from "../../lambda/store/columns.ts";
import {
  queryAccount,
  readShards,
  type SeriesState,
  type Shard,
  writeShards,
} from "../../lambda/store/shards.ts";
import { groupSliceItems } from "../../lambda/store/slice-items.ts";
import { readSliceItems } from "../../lambda/store/slice-reads.ts";
import { foldEvery, ringSize, slicesFromItems } from "../../lambda/store/slices.ts";
import { createStore, createTable, keys, type Store } from "../../lambda/store/table.ts";
import { type EmbeddedDynamo, startDynalite } from "../../local/dynalite.ts";
import { seededRandom } from "../fixtures/seeded-random.ts";
import { blankShard } from "./blank-shard.ts";

/**
 * The scrape's columnar read (columns.ts) against the fetcher's (slices.ts): the same
 * items give the same shards, with the same series in the same order, whatever the
 * history behind them (full records, folds, the ring going round, series that change,
 * leave, come back, gauges, rewritten starts, format-1 shards).
 */
const account = "a".repeat(32);
const zone = "b".repeat(32);
const oldZone = "c".repeat(32);
let dynamo: EmbeddedDynamo;

/** The shard one minute later: every kind of change a write can store. */
function evolved(shard: Shard, minute: number, next: () => number): Shard {
  const series: Record<string, SeriesState> = {};
  for (const [key, state] of Object.entries(shard.series)) {
    const dice = next();
    if (dice < 0.05) continue; // leaves
    if (state.t === "g")
      series[key] = dice < 0.5 ? { ...state, v: Math.round(next() * 1e4) / 7, b: minute } : state;
    else if (dice < 0.4) series[key] = { ...state, v: state.v + 3, b: minute, l: 3 };
    else if (dice < 0.45) series[key] = { ...state, v: state.v + 0.25, b: minute - 120, l: 0.25 };
    else if (dice < 0.48) series[key] = { ...state, v: state.v + 2, b: minute };
    else if (dice < 0.5) series[key] = { ...state, f: state.f - 60 };
    else series[key] = state;
  }
  for (let i = 0; i < 4; i++) {
    const n = Math.floor(next() * 60);
    const key = `${shard.group}_total{n="${n}",zone="example.com"}`;
    series[key] ??= { v: n, f: minute, b: minute, l: n };
  }
  series[`${shard.group}_ratio{zone="example.com"}`] = { v: minute / 11, f: 60, b: minute, t: "g" };
  return {
    ...shard,
    cursor: minute + 60,
    series,
    lostMinutes: shard.lostMinutes + (next() < 0.1 ? 2 : 0),
    dropped: next() < 0.1 ? { [`${shard.group}_total`]: Math.floor(next() * 9) } : shard.dropped,
    ...(minute > 600 ? { label: "example.com" } : {}),
  };
}

const blank = (group: string, index: number): Shard => blankShard(zone, group, index);

/** What each reader makes of the items: per shard, its header and its series in columns. */
function byObjects(items: readonly Record<string, unknown>[]) {
  return slicesFromItems(items).flatMap((slice) =>
    [...slice.shards.values()].map(({ series, slice: _slice, ...shard }) => ({
      shard: { ...shard, series: {} },
      keys: Object.keys(series),
      values: Object.values(series).map((state) => state.v),
      created: Object.values(series).map((state) => state.f),
    })),
  );
}

function byColumns(items: readonly Record<string, unknown>[]) {
  return groupSliceItems(items).flatMap(decodeSliceColumns);
}

/** What a reader of each slice alone reads: its full record, then only the deltas after it. */
async function bySlice(store: Store, items: readonly Record<string, unknown>[]) {
  const slices = groupSliceItems(items);
  const read = await Promise.all(
    slices.map((slice) => readSliceItems(store, account, slice.scopeId, slice.index)),
  );
  return read.flatMap((slice) => (slice ? decodeSliceColumns(slice) : []));
}

describe("the scrape's columnar read", () => {
  let store: Store;
  beforeAll(async () => {
    dynamo = await startDynalite();
    store = createStore("columns", { endpoint: dynamo.endpoint });
    await createTable(store);
  });
  afterAll(() => dynamo.close());

  it("reads what the fetcher's read reads, write after write", async () => {
    const next = seededRandom(15);
    const wanted = [
      { group: "requests", scopeId: zone, index: 0 },
      { group: "colos", scopeId: zone, index: 0 },
      { group: "colos", scopeId: zone, index: 1 },
    ];
    const compared: number[] = [];
    for (let minute = 60; minute < 60 * (2 * ringSize + foldEvery + 5); minute += 60) {
      const read = await readShards(store, account, wanted);
      const updates = wanted
        // Not every group moves every minute: a write of one group leaves the other as it is.
        .filter((w) => w.group === "requests" || next() < 0.7)
        .map((w) => {
          const previous =
            read.find((s) => s.group === w.group && s.index === w.index) ?? blank(w.group, w.index);
          return { previous, next: evolved(previous, minute, next) };
        });
      await writeShards(store, account, updates);
      const items = await queryAccount(store, account, keys.seriesPrefix, true);
      const expected = byObjects(items);
      expect(byColumns(items)).toEqual(expected);
      expect(await bySlice(store, items)).toEqual(expected);
      compared.push(expected.reduce((sum, shard) => sum + shard.keys.length, 0));
    }
    // The history: 100 writes (three folds, the ring round three times), about a hundred series held.
    expect([compared.length, compared.at(-1), Math.max(...compared)]).toEqual([100, 105, 113]);
  });

  it("reads format-1 shards, alone or left over after their carry-over", async () => {
    const legacy = (group: string, scopeId: string, cursor: number) => ({
      pk: keys.account(account),
      sk: `SERIES#${group}#${scopeId}#0`,
      cursor,
      start: 0,
      data: gzipSync(
        JSON.stringify({
          series: {
            [`${group}_total{n="1"}`]: { v: 5, f: 0, b: 60 },
            [`${group}_ratio`]: { v: 0.5, f: 0, b: 60, t: "g" },
          },
          lostMinutes: 2,
          dropped: { [`${group}_total`]: 1 },
        }),
      ),
    });
    // One zone only in format 1; in the carried-over zone, a format-1 item a crash left behind.
    for (const item of [
      legacy("requests", oldZone, 120),
      legacy("colos", oldZone, 180),
      legacy("requests", zone, 60),
    ])
      await store.client.send(new PutCommand({ TableName: store.tableName, Item: item }));
    const items = await queryAccount(store, account, keys.seriesPrefix, true);
    const expected = byObjects(items);
    expect(expected.filter((s) => s.shard.scopeId === oldZone).map((s) => [s.shard.group, s.keys])).toEqual([
      ["colos", ['colos_total{n="1"}', "colos_ratio"]],
      ["requests", ['requests_total{n="1"}', "requests_ratio"]],
    ]);
    expect(byColumns(items)).toEqual(expected);
  });
});
