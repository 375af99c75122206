import { brotliDecompressSync } from "node:zlib";

/**
 * A record's output buffer is made 16 times its compressed size and 16 KB more (the
 * default chunk). Full records of the bench's 100 zones expand 7 to 15 times, deltas 2 to
 * 6: one buffer holds a record whole. Decompressed in the default 16 KB chunks alone, a
 * record was then copied once more into a buffer joining them (a second copy of the 35 MB
 * a cold scrape of 100 zones decodes); much larger buffers cost more to allocate than the
 * copy they save. A record that expands more still decompresses whole, in more chunks.
 * Returns the record's JSON text, as bytes.
 */
export function decompress(data: Uint8Array): Buffer {
  return brotliDecompressSync(data, { chunkSize: data.byteLength * 16 + 16 * 1024 });
}

/** A stored record's JSON, decompressed and parsed (not checked: format.ts checks it). */
export function unpack(data: Uint8Array): unknown {
  return JSON.parse(decompress(data).toString("utf8"));
}
