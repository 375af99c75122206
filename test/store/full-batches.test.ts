import { brotliCompressSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { encodeFull, readFullRecord } from "../../lambda/store/format.ts";
import { fullRecordBatches } from "../../lambda/store/full-batches.ts";
import type { SeriesState, Shard } from "../../lambda/store/shard.ts";

/** A slice's full record with `count` series of one group, keys long enough that a few records pass a batch's megabyte. */
function fullRecordOf(group: string, count: number): Uint8Array {
  const series: Record<string, SeriesState> = {};
  for (let i = 0; i < count; i++)
    series[`${group}_total{path="/${"p".repeat(60)}/${i}",zone="z${i % 7}.example"}`] = {
      v: i * 3,
      f: 600 - (i % 5) * 60,
      b: 600,
      ...(i % 4 === 0 ? { t: "g" as const } : { l: i }),
    };
  const shard: Shard = {
    group,
    scopeId: "zone",
    index: 0,
    cursor: 660,
    start: 60,
    series,
    lostMinutes: 0,
    dropped: {},
    stored: true,
  };
  return encodeFull(new Map([[group, shard]]));
}

describe("full records decoded in batches", () => {
  // About 490 KB of JSON each, 32 times their compressed size (more than the output buffer
  // unpack.ts sizes for them): a batch holds three, and these make three batches.
  const data: (Uint8Array | undefined)[] = Array.from({ length: 8 }, (_, i) =>
    i === 3 ? undefined : fullRecordOf(`group${i}`, 4_000),
  );

  it("gives each record as decoded alone, whatever the order asked in", () => {
    const read = fullRecordBatches(data);
    for (const i of [1, 0, 7, 2, 6, 4, 5]) expect(read(i)).toEqual(readFullRecord(data[i] as Uint8Array));
  });

  it("has nothing for a slot without a record, nor for a record asked for twice", () => {
    const read = fullRecordBatches(data);
    expect(() => read(3)).toThrow("bad full record");
    read(0);
    expect(() => read(0)).toThrow("bad full record");
  });

  it("fails on a record that is not one JSON value, and on one that is not a full record", () => {
    const pack = (text: string) => brotliCompressSync(Buffer.from(text));
    expect(() => fullRecordBatches([data[0], pack('{"shards":[]},{"shards":[]}')])(0)).toThrow(
      "bad full record",
    );
    expect(() => fullRecordBatches([pack(" "), pack('{"shards":[]}')])(0)).toThrow(SyntaxError);
    expect(() => fullRecordBatches([pack('{"shards":[{"g":1}]}')])(0)).toThrow("expected string");
  });
});
