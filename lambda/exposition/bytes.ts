import { StringDecoder } from "node:string_decoder";
import { formatValue } from "./model.ts";

/**
 * The exposition is printed as bytes, straight into buffers of `chunkBytes`, rather than as
 * strings: a scrape of 100 zones is about 30 MB of text, and building it as strings (then
 * flattening and encoding them for gzip) was most of a scrape's time and garbage. A buffer
 * handed on is returned to its pool once its reader is done with it, so a scrape reuses a
 * few buffers instead of allocating its whole output.
 */

/** A chunk is handed on once it holds about this many bytes (to the gzip stream: app.ts). */
export const chunkBytes = 256 * 1024;

/**
 * Free buffers of `chunkBytes`, kept between scrapes: as many as a scrape had in hand at
 * once (the chunks waiting for gzip and the one being written), a handful.
 */
export interface ChunkPool {
  free: Buffer[];
}

export function createChunkPool(): ChunkPool {
  return { free: [] };
}

function takeBuffer(pool: ChunkPool): Buffer {
  return pool.free.pop() ?? Buffer.allocUnsafeSlow(chunkBytes);
}

/** Gives a chunk's buffer back once its reader is done with it (a chunk printed whole, not from the pool, is let go). */
export function releaseChunk(pool: ChunkPool, chunk: Uint8Array): void {
  const whole = chunk.buffer;
  if (chunk.byteOffset !== 0 || whole.byteLength !== chunkBytes) return;
  pool.free.push(Buffer.from(whole));
}

/**
 * Where lines are written: the current buffer and how far it is filled. Before a line, the
 * printer asks for room (`roomFor`); when the buffer has not enough, the filled part is
 * handed on as a chunk and a fresh buffer taken.
 */
export interface ByteWriter {
  pool: ChunkPool;
  buffer: Buffer;
  at: number;
}

export function createWriter(pool: ChunkPool): ByteWriter {
  return { pool, buffer: takeBuffer(pool), at: 0 };
}

/** Bytes a string of `length` UTF-16 units takes in UTF-8 at most. */
export const utf8Bound = (length: number) => length * 3;

/**
 * Makes room for `bytes` more: returns the filled part (to hand on) when a fresh buffer was
 * needed, else nothing. A line longer than a whole buffer gets a buffer of its own size
 * (not the pool's: it is let go once read).
 */
export function roomFor(writer: ByteWriter, bytes: number): Buffer | undefined {
  if (writer.buffer.byteLength - writer.at >= bytes) return undefined;
  const filled = takeChunk(writer);
  if (bytes > chunkBytes) writer.buffer = Buffer.allocUnsafe(bytes);
  return filled;
}

/** The filled part as a chunk (none when empty); the writer goes on in a fresh buffer. */
function takeChunk(writer: ByteWriter): Buffer | undefined {
  if (writer.at === 0) return undefined;
  const chunk = writer.buffer.subarray(0, writer.at);
  writer.buffer = takeBuffer(writer.pool);
  writer.at = 0;
  return chunk;
}

export function writeText(writer: ByteWriter, text: string): void {
  writer.at += writer.buffer.write(text, writer.at);
}

export function writeByte(writer: ByteWriter, byte: number): void {
  writer.buffer[writer.at++] = byte;
}

/** Copies bytes already written, from `start` to `end`, to the end (a label set printed twice). */
export function writeAgain(writer: ByteWriter, start: number, end: number): void {
  writer.buffer.copyWithin(writer.at, start, end);
  writer.at += end - start;
}

/**
 * Room a value takes at most: `String(value)` of any number is at most 25 characters
 * (`-0.0000023889985752050763`: 17 digits after six zeros), with room to spare.
 */
export const valueBytes = 32;

const zero = 0x30;

/**
 * A value as `formatValue` (model.ts) prints it, without a string for the common case: a
 * safe integer is written digit by digit (exactly `String(value)`); anything else goes through it.
 */
export function writeValue(writer: ByteWriter, value: number): void {
  if (!Number.isSafeInteger(value)) {
    writer.at += writer.buffer.write(formatValue(value), writer.at, "latin1");
    return;
  }
  const { buffer } = writer;
  let rest = value;
  if (rest < 0) {
    buffer[writer.at++] = 0x2d;
    rest = -rest;
  }
  let digits = 1;
  for (let bound = 10; bound <= rest; bound *= 10) digits++;
  let at = writer.at + digits;
  writer.at = at;
  do {
    const next = Math.floor(rest / 10);
    buffer[--at] = zero + (rest - next * 10);
    rest = next;
  } while (rest > 0);
}

/** A string printed whole. */
export function* printText(writer: ByteWriter, text: string): Generator<Buffer> {
  const filled = roomFor(writer, utf8Bound(text.length));
  if (filled) yield filled;
  writeText(writer, text);
}

/** The chunks as text, each buffer given back once decoded (a character split between two is kept whole). */
export function* decodeChunks(chunks: Iterable<Buffer>, pool: ChunkPool): Generator<string> {
  const decoder = new StringDecoder("utf8");
  for (const chunk of chunks) {
    const text = decoder.write(chunk);
    releaseChunk(pool, chunk);
    yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/** What is left once everything is printed: the last chunk, or nothing. */
export function lastChunk(writer: ByteWriter): Buffer | undefined {
  return writer.at > 0 ? writer.buffer.subarray(0, writer.at) : undefined;
}

/** Writes bytes encoded beforehand (a family's sample name). */
export function writeBytes(writer: ByteWriter, bytes: Uint8Array): void {
  writer.buffer.set(bytes, writer.at);
  writer.at += bytes.byteLength;
}
