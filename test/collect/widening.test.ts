import { describe, expect, it } from "vitest";
import { chunkDue, chunkRequests, widenMinutes } from "../../lambda/collect/widening.ts";

const budget = { requestsPer5Minutes: 250, maxDatasetsPerRequest: 100 };
const hundredZones = { zones: 100, zoneGroups: 15, requestSize: Number.POSITIVE_INFINITY };

describe("widening", () => {
  it("costs a chunk one request, or as many as the learned ceiling needs", () => {
    expect(chunkRequests(hundredZones, 100)).toBe(1);
    expect(chunkRequests({ ...hundredZones, requestSize: 60 }, 100)).toBe(3);
    expect(chunkRequests(hundredZones, 5)).toBe(3);
  });

  it("keeps every chunk every minute while the budget affords it, and widens evenly past it", () => {
    // 250 per 5 minutes: 40 a minute for zone chunks, less one per account.
    expect(widenMinutes([hundredZones], budget)).toBe(1);
    expect(widenMinutes(Array(3).fill(hundredZones), budget)).toBe(1);
    // Ten accounts of 100 zones: 100 chunks against 30 requests a minute.
    expect(widenMinutes(Array(10).fill(hundredZones), budget)).toBe(4);
    // Behind a ceiling of 60 each chunk is three requests: 300 against 30.
    expect(widenMinutes(Array(10).fill({ ...hundredZones, requestSize: 60 }), budget)).toBe(10);
  });

  it("collects each chunk exactly once in every k consecutive minutes", () => {
    for (const k of [1, 3, 7]) {
      for (let chunk = 0; chunk < 12; chunk++) {
        const due = Array.from({ length: 2 * k }, (_, minute) => chunkDue("acct", chunk, 1_000 + minute, k));
        expect(due.filter(Boolean)).toHaveLength(2);
        expect(due.slice(0, k).filter(Boolean)).toHaveLength(1);
      }
    }
  });
});
