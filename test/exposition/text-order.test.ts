import { describe, expect, it } from "vitest";
import { textOrder } from "../../lambda/exposition/text-order.ts";
import { seededRandom } from "../fixtures/seeded-random.ts";

/** A stable sort by comparing: what textOrder must give. */
function comparedOrder(keys: readonly string[]): { order: number[]; repeated: boolean } {
  let repeated = false;
  const order = keys.map((_, i) => i);
  order.sort((a, b) => {
    const x = keys[a] as string;
    const y = keys[b] as string;
    if (x < y) return -1;
    if (x > y) return 1;
    repeated = true;
    return a - b;
  });
  return { order, repeated };
}

const ordered = (keys: readonly string[]) => {
  const { order, repeated } = textOrder(keys);
  return { order: [...order], repeated };
};

describe("keys in text order by radix", () => {
  it("orders a few keys, an ended one before those that go on, equal ones as they came", () => {
    expect(ordered(['a{x="2"}', 'a{x="10"}', "a", 'a{x="2"}', "a"])).toEqual({
      order: [2, 4, 1, 0, 3],
      repeated: true,
    });
    expect(ordered(["b", "a", "ab"])).toEqual({ order: [1, 2, 0], repeated: false });
    expect(ordered([])).toEqual({ order: [], repeated: false });
  });

  it("gives a stable sort's order for groups of every size, shared starts, repeats and any code unit", () => {
    const next = seededRandom(21);
    // ASCII, Latin-1, a wide spread (over a counting pass's), and halves of a surrogate pair.
    const pieces = [
      "a",
      "b",
      "ab",
      '"',
      "{",
      "zone1.example",
      "é",
      "\u0100",
      "\u4e2d",
      "\ud83d",
      "\ude00",
      "",
    ];
    for (let round = 0; round < 120; round++) {
      const size = [0, 1, 2, 23, 24, 25, 60, 400, 3000][round % 9] as number;
      const alphabet = round % 2 === 0 ? 4 : pieces.length;
      const keys = Array.from({ length: size }, () => {
        let key = round % 3 === 0 ? 'cloudflare_zone_requests_total{country="' : "";
        for (let i = Math.floor(next() * 8); i > 0; i--) key += pieces[Math.floor(next() * alphabet)];
        return key;
      });
      expect(ordered(keys)).toEqual(comparedOrder(keys));
    }
  });

  it("finds two equal keys among many different ones", () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `f_total{n="${(i * 7919) % 5000}"}`);
    expect(ordered(keys).repeated).toBe(false);
    keys.push(keys[1234] as string);
    expect(ordered(keys)).toEqual(comparedOrder(keys));
    expect(ordered(keys).repeated).toBe(true);
  });
});
