import { gzipSync } from "node:zlib";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAccount } from "../../lambda/serve/state.ts";
import { encodeDelta, encodeFull, UnknownFormatError } from "../../lambda/store/format.ts";
import {
  queryAccount,
  readAccountShards,
  readShards,
  type Shard,
  ShardConflictError,
  writeShards,
} from "../../lambda/store/shards.ts";
import { foldEvery, ringSize } from "../../lambda/store/slices.ts";
import { createStore, createTable, keys, type Store } from "../../lambda/store/table.ts";
import { type EmbeddedDynamo, startDynalite } from "../../local/dynalite.ts";
import { blankShard } from "./blank-shard.ts";

const account = "a".repeat(32);
const zone = "b".repeat(32);
let dynamo: EmbeddedDynamo;
let tables = 0;

async function freshStore(): Promise<Store> {
  const store = createStore(`format-${++tables}`, { endpoint: dynamo.endpoint });
  await createTable(store);
  return store;
}

const wanted = [
  { group: "requests", scopeId: zone, index: 0 },
  { group: "colos", scopeId: zone, index: 0 },
];

/** The shard after one more minute: some series grow, one is new, one leaves. */
function advanced(shard: Shard, minute: number): Shard {
  const series = { ...shard.series };
  for (const [key, state] of Object.entries(series)) {
    const n = Number(key.slice(key.indexOf('"') + 2, -2));
    if (n % 3 === minute % 3) series[key] = { ...state, v: state.v + n + 0.5, b: minute, l: n + 0.5 };
  }
  series[`requests_total{n="${minute}"}`] = { v: 1, f: minute, b: minute, l: 1 };
  delete series[`requests_total{n="${minute - 600}"}`];
  series['gauge{n="g"}'] = { v: minute / 7, f: 60, b: minute, t: "g" };
  return { ...shard, cursor: minute + 60, series, label: "example.com" };
}

describe("the stored format", () => {
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.close());

  it("reads back exactly what was written, across folds and the ring, and refuses a stale writer", async () => {
    const store = await freshStore();
    let shard: Shard = blankShard(zone);
    const stale: Shard[] = [];
    for (let minute = 60; minute < 60 * (2 * ringSize + foldEvery + 3); minute += 60) {
      const [read] = await readShards(store, account, wanted);
      const previous = read ?? shard;
      expect(previous.series).toEqual(shard.series);
      expect(previous.cursor).toBe(shard.cursor);
      const next = advanced(previous, minute);
      await writeShards(store, account, [{ previous, next }]);
      if (minute === 600) stale.push(previous);
      shard = next;
    }
    const { slice: _slice, ...expected } = shard;
    expect(await readAccountShards(store, account)).toEqual([{ ...expected, stored: true }]);
    for (const previous of stale)
      await expect(
        writeShards(store, account, [{ previous, next: advanced(previous, 600) }]),
      ).rejects.toThrow(ShardConflictError);
  });

  it("carries a format-1 shard over on its first write, and deletes the old item", async () => {
    const store = await freshStore();
    const series = { 'requests_total{n="1"}': { v: 5, f: 0, b: 60 } };
    await store.client.send(
      new PutCommand({
        TableName: store.tableName,
        Item: {
          pk: keys.account(account),
          sk: `SERIES#requests#${zone}#0`,
          cursor: 120,
          start: 0,
          data: gzipSync(JSON.stringify({ series, lostMinutes: 2, dropped: {}, label: "example.com" })),
        },
      }),
    );
    const [previous] = await readShards(store, account, wanted);
    if (!previous) throw new Error("the format-1 shard was not read");
    expect(previous).toMatchObject({ cursor: 120, start: 0, series, lostMinutes: 2, label: "example.com" });
    const next = {
      ...previous,
      cursor: 180,
      series: { 'requests_total{n="1"}': { v: 8, f: 0, b: 120, l: 3 } },
    };
    const advanced: unknown[] = [];
    await writeShards(store, account, [{ previous, next }], (write) => advanced.push(...write.advanced));
    // What a push path reads: the series the write advanced, with its last bucket (minute b, value l).
    expect(advanced).toEqual([
      { group: "requests", scopeId: zone, key: 'requests_total{n="1"}', state: { v: 8, f: 0, b: 120, l: 3 } },
    ]);
    const { slice: _slice, ...expected } = next;
    expect(await readAccountShards(store, account)).toEqual([{ ...expected, stored: true }]);
    const items = await queryAccount(store, account);
    // The format-1 item is gone; the slice is in the account's slice index (slice-index.ts).
    expect(items.map((item) => item.sk)).toEqual([keys.sliceFull(zone, 0), keys.sliceIndex]);
    expect(items[1]?.ids).toEqual(new Set([`${zone}#0`]));
  });

  it("carries a slice in format 2 over on its first write: one of two writers that read it wins, its items are deleted", async () => {
    const store = await freshStore();
    // The slice as format 2 stored it: its full record and ring under one prefix, folded at
    // write 33, the ring gone round once (slots holding writes 5 to 33 are stale).
    let shard: Shard = { ...blankShard(zone), stored: true };
    let fullSeq = 0;
    const put = (sk: string, seq: number, data: Uint8Array) =>
      store.client.send(
        new PutCommand({
          TableName: store.tableName,
          Item: { pk: keys.account(account), sk, format: 2, seq, data },
        }),
      );
    for (let seq = 1, minute = 60; seq <= 40; seq++, minute += 60) {
      const before = new Map([[shard.group, shard]]);
      const next = advanced(shard, minute);
      if (seq === 1 || seq - fullSeq >= 32) {
        await put(`${keys.format2Slice(zone, 0)}S`, seq, encodeFull(new Map([[next.group, next]])));
        fullSeq = seq;
      }
      if (seq > 1)
        await put(
          `${keys.format2Slice(zone, 0)}D${String(seq % ringSize).padStart(2, "0")}`,
          seq,
          encodeDelta(before, [next]),
        );
      shard = next;
    }
    const { slice: _held, ...stored } = shard;
    expect(await readAccountShards(store, account)).toEqual([stored]);
    // The scrape's cold read of it: the same series.
    const state = await readAccount(store, { id: account, name: "account" });
    expect(state.columns?.map((c) => [c.shard.cursor, c.keys, c.values])).toEqual([
      [shard.cursor, Object.keys(shard.series), Object.values(shard.series).map((s) => s.v)],
    ]);
    const [previous] = await readShards(store, account, wanted);
    if (!previous) throw new Error("the format-2 slice was not read");
    expect(previous.series).toEqual(shard.series);
    // Two writers that read the same head both carry it over: the same key, one wins.
    const next = advanced(previous, 60 * 41);
    const other = advanced(previous, 60 * 41 + 1);
    const results = await Promise.allSettled([
      writeShards(store, account, [{ previous, next }]),
      writeShards(store, account, [{ previous, next: other }]),
    ]);
    const won = results.findIndex((r) => r.status === "fulfilled");
    const lost = results.find((r) => r.status === "rejected");
    expect([won >= 0, lost?.reason instanceof ShardConflictError]).toEqual([true, true]);
    const { slice: _slice, ...expected } = won === 0 ? next : other;
    expect(await readAccountShards(store, account)).toEqual([{ ...expected, stored: true }]);
    // Every format-2 item is gone: the full record in format 3 and the slice index remain.
    const items = await queryAccount(store, account);
    expect(items.map((item) => [item.sk, item.format, item.seq])).toEqual([
      [keys.sliceFull(zone, 0), 3, 1],
      [keys.sliceIndex, undefined, undefined],
    ]);
  });

  it("stops loudly at a stored format it does not know", async () => {
    const store = await freshStore();
    await store.client.send(
      new PutCommand({
        TableName: store.tableName,
        Item: {
          pk: keys.account(account),
          sk: keys.sliceFull(zone, 0),
          format: 4,
          seq: 1,
          data: new Uint8Array(),
        },
      }),
    );
    await expect(readAccountShards(store, account)).rejects.toThrow(UnknownFormatError);
    await expect(readAccountShards(store, account)).rejects.toThrow(
      `state item ${keys.sliceFull(zone, 0)} has stored format 4; this exporter reads formats 1 to 3: upgrade the exporter before it reads this table`,
    );
  });
});
