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
