import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCountingStore } from "../../bench/units.ts";
import { storedFormat } from "../../lambda/store/format.ts";
import { type RingRead, readRingsAfter } from "../../lambda/store/ring-reads.ts";
import type { HeldWrite } from "../../lambda/store/slice-reads.ts";
import { ringSize, slotOf } from "../../lambda/store/slices.ts";
import { createStore, createTable, keys, type Store } from "../../lambda/store/table.ts";
import { type EmbeddedDynamo, startDynalite } from "../../local/dynalite.ts";

/**
 * A warm scrape's read of the ring slots after the writes it holds (readRingsAfter), against
 * dynalite: one Query a slice, each write taken only if it is the one after the last, the
 * chain ended by a stale slot and broken by anything else. Each delta here is 1,500 bytes
 * (a real one is 0.6–1.9 KB): two fit in the 4 KB a Query is billed for.
 */
const account = "a".repeat(32);
const deltaBytes = 1500;
let dynamo: EmbeddedDynamo;
let tables = 0;

async function freshStore(): Promise<Store> {
  const store = createStore(`ring-reads-${++tables}`, { endpoint: dynamo.endpoint });
  await createTable(store);
  return store;
}

/** A delta's bytes, starting with its write number (what a test reads back). */
const deltaData = (seq: number) => {
  const data = new Uint8Array(deltaBytes);
  data.set(new TextEncoder().encode(`${seq};`));
  return data;
};
const seqOf = (data: Uint8Array) => Number(new TextDecoder().decode(data).split(";")[0]);

function putSlot(store: Store, scopeId: string, seq: number, item: Record<string, unknown> = {}) {
  return store.client.send(
    new PutCommand({
      TableName: store.tableName,
      Item: {
        pk: keys.account(account),
        sk: keys.sliceDelta(scopeId, 0, slotOf(seq)),
        format: storedFormat,
        seq,
        data: deltaData(seq),
        ...item,
      },
    }),
  );
}

/** Writes `from` to `to` of a slice, in order: each in its slot, over the one a ring before. */
async function writeRing(store: Store, scopeId: string, from: number, to: number): Promise<void> {
  for (let seq = from; seq <= to; seq++) await putSlot(store, scopeId, seq);
}

/** The store with its Queries counted by the slice they read, and their read units as the bench counts them. */
function countingStore(store: Store) {
  const counted = { readUnits: 0, queries: new Map<string, number>() };
  const units = readCountingStore(store, counted);
  const send = (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const from = (command.input.ExpressionAttributeValues as Record<string, string> | undefined)?.[":from"];
    if (command.constructor.name === "QueryCommand" && from) {
      const scopeId = from.split("#")[3] ?? "";
      counted.queries.set(scopeId, (counted.queries.get(scopeId) ?? 0) + 1);
    }
    return units.client.send(command as never);
  };
  return { store: { ...store, client: { send } as unknown as Store["client"] }, counted };
}

const writes = (read: RingRead | undefined) => ({
  deltas: read?.deltas.map(seqOf),
  broken: read?.broken,
});

describe("a warm read of the rings", () => {
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.close());

  it("reads a slice one write on with one Query of two slots: half a unit", async () => {
    const store = await freshStore();
    const slices = 20;
    const held: HeldWrite[] = [];
    for (let i = 0; i < slices; i++) {
      // A full ring: writes 10 to 41, and the slice held at write 40.
      await writeRing(store, `zone-${i}`, 10, 41);
      held.push({ scopeId: `zone-${i}`, index: 0, seq: 40 });
    }
    const { store: counting, counted } = countingStore(store);
    const reads = await readRingsAfter(counting, account, held);
    expect(reads.map(writes)).toEqual(held.map(() => ({ deltas: [41], broken: false })));
    // Write 41, then write 10 in the slot after it (stale: 42 is not yet): 3,000 bytes summed.
    expect([...counted.queries.values()]).toEqual(held.map(() => 1));
    expect(counted.readUnits).toBe(slices * 0.5);
  });

  it("follows a slice further, round the ring's end, and stops or breaks where it did", async () => {
    const store = await freshStore();
    const held = new Map<string, number>();
    // Two writes on: 51 and 52 in one Query, then nine slots from 53's (21: stale).
    await writeRing(store, "two-on", 21, 52);
    held.set("two-on", 50);
    // Write 65 in slot 31, the last: then slot 0 (66) and slot 1 (35: stale).
    expect(slotOf(65)).toBe(ringSize - 1);
    await writeRing(store, "wrap", 35, 66);
    held.set("wrap", 64);
    // The same a ring later, one write on: slot 0 holds write 66 (stale).
    expect(slotOf(97)).toBe(ringSize - 1);
    await writeRing(store, "wrap-one", 66, 97);
    held.set("wrap-one", 96);
    // The ring went round past write 70: 71's slot holds 103.
    await writeRing(store, "gap", 72, 103);
    held.set("gap", 70);
    // Nothing after write 80: its slot after holds 49.
    await writeRing(store, "stale", 49, 80);
    held.set("stale", 80);
    // A new slice's ring: write 6's slot (4) was never written, nor any after it.
    await writeRing(store, "new", 2, 5);
    held.set("new", 5);
    // Write 91 in a format this reader does not know, or with no write number.
    await writeRing(store, "unknown", 60, 90);
    await putSlot(store, "unknown", 91, { format: storedFormat + 1 });
    held.set("unknown", 90);
    await writeRing(store, "undecoded", 60, 90);
    await putSlot(store, "undecoded", 91, { seq: "91" });
    held.set("undecoded", 90);

    const { store: counting, counted } = countingStore(store);
    const ids = [...held.keys()];
    const reads = await readRingsAfter(
      counting,
      account,
      ids.map((scopeId) => ({ scopeId, index: 0, seq: held.get(scopeId) as number })),
    );
    expect(Object.fromEntries(ids.map((id, i) => [id, writes(reads[i])]))).toEqual({
      "two-on": { deltas: [51, 52], broken: false },
      wrap: { deltas: [65, 66], broken: false },
      "wrap-one": { deltas: [97], broken: false },
      gap: { deltas: [], broken: true },
      stale: { deltas: [], broken: false },
      new: { deltas: [], broken: false },
      unknown: { deltas: [], broken: true },
      undecoded: { deltas: [], broken: true },
    });
    expect(Object.fromEntries(counted.queries)).toEqual({
      "two-on": 2,
      wrap: 2,
      "wrap-one": 2,
      gap: 1,
      stale: 1,
      new: 1,
      unknown: 1,
      undecoded: 1,
    });
    // two-on: 0.5 + nine stale slots (13.5 KB: 2); wrap, wrap-one: 0.5 + 0.5; the others 0.5 each.
    expect(counted.readUnits).toBe(2.5 + 1 + 1 + 5 * 0.5);
  });

  it("breaks a chain longer than the ring: a writer went round it during the read", async () => {
    const store = await freshStore();
    await writeRing(store, "busy", 101, 132);
    let queries = 0;
    const send = async (command: { constructor: { name: string } }) => {
      const response = await store.client.send(command as never);
      // After the first Query, write 133 lands in the slot of 101, read already.
      if (command.constructor.name === "QueryCommand" && ++queries === 1) await putSlot(store, "busy", 133);
      return response;
    };
    const racing = { ...store, client: { send } as unknown as Store["client"] };
    const [read] = await readRingsAfter(racing, account, [{ scopeId: "busy", index: 0, seq: 100 }]);
    expect({ deltas: read?.deltas.length, broken: read?.broken, queries }).toEqual({
      deltas: ringSize,
      broken: true,
      queries: 5,
    });
  });
});
