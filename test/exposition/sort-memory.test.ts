import { describe, expect, it } from "vitest";
import { createSortMemory, type Family } from "../../lambda/exposition/model.ts";
import { renderText, textChunks } from "../../lambda/exposition/text.ts";
import { seededRandom } from "../fixtures/seeded-random.ts";

describe("a family's sort started from the last one", () => {
  it("prints what a sort from scratch prints, as keys come, go, repeat and reorder", () => {
    const next = seededRandom(11);
    const memory = createSortMemory();
    let keys: string[] = [];
    for (let round = 0; round < 40; round++) {
      // Some keys leave, some come (anywhere), some repeat (two shards with one key), and now and then all are shuffled.
      keys = keys.filter(() => next() > 0.1);
      for (let i = Math.floor(next() * 30); i > 0; i--) {
        const key = `f_total{n="${Math.floor(next() * 500)}"}`;
        keys.splice(Math.floor(next() * (keys.length + 1)), 0, key);
      }
      if (next() < 0.2) keys.sort(() => next() - 0.5);
      const family: Family = {
        name: "f_total",
        help: "F",
        type: "counter",
        samples: [],
        stored: { keys: [...keys], values: keys.map((_, i) => i + 0.5), created: keys.map((_, i) => i) },
      };
      expect([...textChunks([family], memory)].join("")).toBe(renderText([family]));
    }
    expect(memory.get("f_total")?.keys.length).toBe(keys.length);
  });
});

describe("a family's sort with keys added among the last order's", () => {
  it("prints what a sort from scratch prints, whether an added key is new or equals one held", () => {
    const next = seededRandom(12);
    const memory = createSortMemory();
    let keys = Array.from({ length: 300 }, (_, i) => `h_total{n="${i * 7}"}`);
    let repeats = 0;
    for (let round = 0; round < 60; round++) {
      // A few keys come anywhere; now and then one equals a key held (two shards with one key), then leaves again.
      for (let i = 1 + Math.floor(next() * 5); i > 0; i--)
        keys.splice(Math.floor(next() * (keys.length + 1)), 0, `h_total{n="${Math.floor(next() * 1e6)}"}`);
      if (round % 7 === 3) {
        keys.push(keys[Math.floor(next() * keys.length)] as string);
        repeats++;
      } else if (round % 7 === 4) keys = [...new Set(keys)];
      if (next() < 0.3) keys = keys.filter(() => next() > 0.02);
      const family: Family = {
        name: "h_total",
        help: "H",
        type: "counter",
        samples: [],
        stored: { keys: [...keys], values: keys.map((_, i) => i), created: keys.map(() => 60) },
      };
      expect([...textChunks([family], memory)].join("")).toBe(renderText([family]));
    }
    expect({ repeats, held: memory.get("h_total")?.keys.length }).toEqual({ repeats: 9, held: keys.length });
  });
});
