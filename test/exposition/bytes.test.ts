import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { selfMetricFamilies } from "../../lambda/catalogue/self-metrics.ts";
import {
  chunkBytes,
  createChunkPool,
  createWriter,
  lastChunk,
  releaseChunk,
  valueBytes,
  writeValue,
} from "../../lambda/exposition/bytes.ts";
import { createSortMemory, type Family, formatValue } from "../../lambda/exposition/model.ts";
import { openMetricsBuffers, renderOpenMetrics } from "../../lambda/exposition/openmetrics.ts";
import { renderText, textBuffers, textChunks } from "../../lambda/exposition/text.ts";
import { knownFamilies } from "../../lambda/serve/families.ts";

/** What writeValue prints for one value. */
function printed(value: number): string {
  const writer = createWriter(createChunkPool());
  writeValue(writer, value);
  return lastChunk(writer)?.toString("latin1") ?? "";
}

const counter = (name: string, keys: string[], values: number[], created: number[]): Family => ({
  name,
  help: "H",
  type: "counter",
  samples: [],
  stored: { keys, values, created },
});

describe("the exposition printed as bytes", () => {
  it("prints every value as formatValue does, within valueBytes", () => {
    const values = [
      0,
      -0,
      1,
      9,
      10,
      99,
      100,
      -7,
      123_456_789,
      1_795_172_040,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      2 ** 53,
      1e21,
      0.25,
      -1.5,
      1e-7,
      5e-324,
      -1.2345678901234567e-308,
      -0.0000023889985752050763,
      -1.2345678901234567e20,
      Number.MAX_VALUE,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ];
    for (const value of values) {
      expect(printed(value)).toBe(formatValue(value));
      expect(printed(value).length).toBeLessThanOrEqual(25);
    }
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.maxSafeInteger()), (value) => {
        expect(printed(value)).toBe(formatValue(value));
        expect(printed(value).length).toBeLessThanOrEqual(valueBytes);
      }),
      { numRuns: 2_000, seed: 20261201 },
    );
  });

  it("hands on chunks of at most chunkBytes and keeps characters whole across them", () => {
    const keys = Array.from({ length: 12_000 }, (_, i) => `big_total{city="zürich-東京-${i}",n="${i}"}`);
    const family = counter(
      "big_total",
      keys,
      keys.map((_, i) => i * 3),
      keys.map((_, i) => 60 + i),
    );
    const pool = createChunkPool();
    const sizes = [...textBuffers([family], undefined, pool)].map((chunk) => chunk.byteLength);
    expect(sizes.length).toBe(3);
    expect(sizes.every((size) => size <= chunkBytes && size > 0)).toBe(true);
    const text = renderText([family]);
    const lines = text.split("\n");
    expect(lines.length).toBe(12_003);
    expect(lines[0]).toBe("# HELP big_total H");
    expect(lines[2]).toBe('big_total{city="zürich-東京-0",n="0"} 0');
    expect(lines[12_001]).toBe('big_total{city="zürich-東京-9999",n="9999"} 29997');
    expect(Buffer.byteLength(text)).toBe(sizes.reduce((a, b) => a + b, 0));
    expect([...textChunks([family])].join("")).toBe(text);
  });

  it("prints a series longer than a whole chunk, in a buffer of its own size", () => {
    const long = `huge{v="${"x".repeat(chunkBytes)}"}`;
    const family: Family = {
      name: "huge",
      help: "H",
      type: "gauge",
      samples: [],
      stored: { keys: ['huge{v="a"}', long], values: [1, 2.5], created: [0, 0] },
    };
    expect(renderText([family])).toBe(`# HELP huge H\n# TYPE huge gauge\nhuge{v="a"} 1\n${long} 2.5\n`);
    expect(renderOpenMetrics([family])).toBe(
      `# TYPE huge gauge\n# HELP huge H\nhuge{v="a"} 1\n${long} 2.5\n# EOF\n`,
    );
  });

  it("knows only ASCII metric names (OpenMetrics writes a sample's name over its key's, byte for byte)", () => {
    const names = [...knownFamilies.keys(), ...selfMetricFamilies.map((family) => family.name)];
    expect(names.filter((name) => !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name))).toEqual([]);
    expect(names).toContain("cloudflare_exporter_up");
    expect(names).toContain("cloudflare_zone_requests_total");
  });

  it("names a counter's samples in OpenMetrics whether or not its name ends in _total", () => {
    const families = [
      counter("requests", ['requests{a="é"}', 'requests{a="b"}'], [3, 4], [10, Number.NaN]),
      counter("bytes_total", ['bytes_total{a="1"}'], [7], [20]),
    ];
    expect(renderOpenMetrics(families)).toBe(
      [
        "# TYPE bytes counter",
        "# HELP bytes H",
        'bytes_total{a="1"} 7',
        'bytes_created{a="1"} 20',
        "# TYPE requests counter",
        "# HELP requests H",
        'requests_total{a="b"} 4',
        'requests_total{a="é"} 3',
        'requests_created{a="é"} 10',
        "# EOF",
        "",
      ].join("\n"),
    );
  });

  it("reuses the pool's buffers once a reader gives them back", () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `f_total{n="${i}"}`);
    const family = counter(
      "f_total",
      keys,
      keys.map(() => 1),
      keys.map(() => 0),
    );
    const pool = createChunkPool();
    const seen = new Set<ArrayBufferLike>();
    for (let round = 0; round < 3; round++)
      for (const chunk of openMetricsBuffers([family], undefined, pool)) {
        seen.add(chunk.buffer);
        releaseChunk(pool, chunk);
      }
    // Each chunk is given back before the next is printed: two buffers in all, whatever the rounds.
    expect(seen.size).toBe(2);
    expect(pool.free.length).toBe(2);
  });

  it("prints a family again with the same keys (equal ones too) as a first print does", () => {
    const keys = ['g{a="2"}', 'g{a="1"}', 'g{a="2"}', 'g{a="0"}'];
    const memory = createSortMemory();
    for (const values of [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]) {
      const family: Family = {
        name: "g",
        help: "G",
        type: "gauge",
        samples: [],
        stored: { keys: [...keys], values, created: [0, 0, 0, 0] },
      };
      expect([...textChunks([family], memory)].join("")).toBe(renderText([family]));
    }
    expect(renderText([counter("g", keys, [5, 6, 7, 8], [1, 2, 3, 4])])).toBe(
      '# HELP g H\n# TYPE g counter\ng{a="0"} 8\ng{a="1"} 6\ng{a="2"} 12\n',
    );
  });
});
