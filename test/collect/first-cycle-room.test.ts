import { describe, expect, it } from "vitest";
import { roomToBegin, rotationRequests } from "../../lambda/collect/first-cycle.ts";

const minute = 29_000_000;
const nowMs = minute * 60_000 + 30_000;

describe("room for a first collection", () => {
  it("counts the other items' begun chunks when discovery says how many wait, else takes them to be as far along", () => {
    const item = { due: [1, 0, 1, 0, 1], inRotation: 10, itemChunks: 10, chunkCost: 3, everyMinutes: 6 };
    // 100 chunks on the budget, 90 of other items; ten accounts' own requests a minute.
    const sharers = { chunks: 100, accounts: 10 };
    // Taken to be as far along as this item (all begun): 90 × 3 / 6 = 45 a minute besides.
    expect(rotationRequests(sharers, item)).toEqual([58, 55, 58, 55, 58]);
    // Discovery says 60 of them wait: 30 × 3 / 6 = 15 a minute.
    expect(rotationRequests({ ...sharers, othersWaiting: 60 }, item)).toEqual([28, 25, 28, 25, 28]);
  });

  it("fits now and at the start of each of the next five minutes, beside the calls still held then", () => {
    // 250 per 5 minutes, 10 a minute kept back: 240 for the rotation and first collections.
    const slots = new Map([
      [(minute - 4) * 60_000, 100],
      [minute * 60_000, 40],
    ]);
    const reading = { slots, limit: 250, nowMs };
    const rotation = [20, 20, 20, 20, 20];
    // Now: 140 held + 100 fits 240. At the next minute's start: 140 + 20 + 80 = 240.
    expect(roomToBegin(reading, 80, rotation, minute)).toBe(true);
    expect(roomToBegin(reading, 81, rotation, minute)).toBe(false);
    // Once the 100 calls of four minutes ago have left the window, 40 + 100 + 100 fits 240 five minutes on.
    expect(roomToBegin({ ...reading, slots: new Map([[minute * 60_000, 40]]) }, 100, rotation, minute)).toBe(
      true,
    );
    expect(roomToBegin({ ...reading, slots: new Map([[minute * 60_000, 40]]) }, 101, rotation, minute)).toBe(
      false,
    );
  });
});
