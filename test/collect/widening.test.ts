import { describe, expect, it } from "vitest";
import { chunkQuota, pickChunks } from "../../lambda/collect/chunk-schedule.ts";
import { chunkRequests, itemRequests, mapConcurrency, widenMinutes } from "../../lambda/collect/widening.ts";

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

  it("counts a chunk that waits to begin at a first collection's cost, so the waiting ones begin within about k minutes", () => {
    // Ten accounts of 100 zones, 40 chunks waiting whose last first collection took 10
    // requests: 60 steady chunks at 1 and 40 at 10 (460) against 30 a minute.
    const waiting = { chunks: 4, entryCost: 10 };
    expect(widenMinutes(Array(10).fill({ ...hundredZones, waiting }), budget)).toBe(16);
    // A first collection never counts below a steady one, nor more chunks than there are.
    const cheap = { ...hundredZones, requestSize: 60, waiting: { chunks: 50, entryCost: 1 } };
    expect(widenMinutes(Array(10).fill(cheap), budget)).toBe(10);
  });

  it("collects an item's n chunks over any k consecutive minutes, the share of each minute within one of n/k", () => {
    for (const k of [1, 3, 7, 16]) {
      for (const n of [1, 4, 10, 23]) {
        for (const offset of [0, 5, 1234]) {
          const quotas = Array.from({ length: 3 * k }, (_, m) => chunkQuota(n, k, 29_000_000 + m, offset));
          for (let first = 0; first + k <= quotas.length; first++) {
            expect(quotas.slice(first, first + k).reduce((a, b) => a + b, 0)).toBe(n);
          }
          for (const quota of quotas) expect([Math.floor(n / k), Math.ceil(n / k)]).toContain(quota);
        }
      }
    }
  });

  it("takes the least recently collected chunks first, the never collected before all, and every overdue one besides", () => {
    expect(pickChunks([undefined, undefined, undefined], 2, 100, 4)).toEqual([0, 1]);
    expect(pickChunks([98, undefined, 99, 97], 2, 100, 4)).toEqual([1, 3]);
    expect(pickChunks([98, 99, 98, 97], 3, 100, 4)).toEqual([3, 0, 2]);
    expect(pickChunks([98, 99], 0, 100, 4)).toEqual([]);
    // Chunks 0 and 2 were last collected 4 and 5 minutes ago with k = 4: both are taken, quota or not.
    expect(pickChunks([96, 99, 95, 98], 1, 100, 4)).toEqual([2, 0]);
  });

  it("keeps every chunk within k minutes when some minutes' budget falls short, where fixed turns starve", () => {
    /** The most minutes any chunk went uncollected, once past the first two periods. */
    const longestWait = (n: number, k: number, capacity: readonly number[], fixedTurns: boolean) => {
      const last: (number | undefined)[] = Array(n).fill(undefined);
      let longest = 0;
      for (let minute = 0; minute < 400; minute++) {
        const order = fixedTurns
          ? last.map((_, i) => i).filter((i) => i % k === minute % k)
          : pickChunks(last, chunkQuota(n, k, minute, 0), minute, k);
        // The run gets through as many chunks as its budget allows, then stops.
        for (const i of order.slice(0, capacity[minute % capacity.length])) last[i] = minute;
        if (minute >= 2 * k) for (const l of last) longest = Math.max(longest, minute - (l ?? -1_000));
      }
      return longest;
    };
    // Enough budget in every minute: each chunk every k minutes either way.
    expect(longestWait(10, 4, [100], true)).toBe(3);
    expect(longestWait(10, 4, [100], false)).toBe(3);
    // Enough over k minutes, but one minute in k is short (a discovery refresh spent it):
    // fixed turns never reach the chunks that minute's turn leaves out.
    expect(longestWait(10, 4, [1, 4, 4, 4], true)).toBe(1_399);
    expect(longestWait(10, 4, [1, 4, 4, 4], false)).toBe(3);
    // Exactly enough over k minutes, unevenly: still every k minutes (every overdue chunk is
    // taken besides the quota, never held back by the never collected in front of it).
    expect(longestWait(10, 4, [1, 3, 3, 3], false)).toBe(3);
    expect(longestWait(10, 4, [0, 4, 3, 3], false)).toBe(3);
    expect(longestWait(6, 3, [0, 3, 3], false)).toBe(2);
  });

  it("runs as many items at once as the minute's budget feeds, within the items and the cap", () => {
    // A 100-zone item behind a ceiling of 60, every 10 minutes: 10 chunks × 3 requests / 10, plus its account's.
    expect(itemRequests(100, true, 10, 3)).toBe(4);
    expect(itemRequests(100, false, 1, 1)).toBe(10);
    // 250 per 5 minutes is 50 a minute: 12 items of 4 requests, capped at 10, or at the items.
    expect(mapConcurrency(Array(10).fill(4), 250, 10)).toBe(10);
    expect(mapConcurrency(Array(20).fill(4), 250, 40)).toBe(12);
    expect(mapConcurrency(Array(3).fill(4), 250, 40)).toBe(3);
    // Items that need more than the minute's budget each still run one at a time.
    expect(mapConcurrency([80], 250, 10)).toBe(1);
    expect(mapConcurrency([], 250, 10)).toBe(1);
  });
});
