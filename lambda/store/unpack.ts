import { brotliDecompressSync } from "node:zlib";

/**
 * How many times its compressed size a record's output buffer is made. Full records of
 * the bench's 100 zones expand 7 to 15 times, deltas 2 to 6: one buffer holds a record
 * whole. Decompressed in the default 16 KB chunks, a record was then copied once more into
 * a buffer joining them (a second copy of the 35 MB a cold scrape of 100 zones decodes);
 * much larger buffers cost more to allocate than the copy they save. A record that expands
 * more still decompresses whole, in more chunks.
 */
const expansion = 16;
const minimumChunk = 16 * 1024;

/** A stored record's JSON text, as bytes. */
export function decompress(data: Uint8Array): Buffer {
  return brotliDecompressSync(data, { chunkSize: Math.max(minimumChunk, data.byteLength * expansion) });
}

/** A stored record's JSON, decompressed and parsed (not checked: format.ts checks it). */
export function unpack(data: Uint8Array): unknown {
  return JSON.parse(decompress(data).toString("utf8"));
}
