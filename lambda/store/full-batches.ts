import { checkFullRecord, type FullRecord } from "./format.ts";
import { decompress } from "./unpack.ts";

/**
 * Full records decoded a batch at a time, as one JSON text `[record,record,…]`, rather than
 * one string each. V8 puts a string of more than 128 KB in memory mapped for it alone, and
 * a cold scrape of 100 zones turns about 200 full records of some 170 KB each into
 * strings: on the bench's machine that took 200 ms of CPU for 34 MB, against a few ms for
 * the same text in strings under 128 KB. Node holds an ASCII text of a megabyte or more
 * outside V8's heap (a copy, made once), so a batch joined to `batchBytes` or more costs
 * about what the small strings do. Each record is then checked on its own, as before.
 */
const batchBytes = 1_100_000;

const open = Buffer.from("[");
const comma = Buffer.from(",");
const close = Buffer.from("]");

/** Where each record stands: not decoded yet, decoded and waiting, or handed out. */
const pending = 0;
const waiting = 1;
const handedOut = 2;

/**
 * The full records `data` holds (indexed as it is), each decoded when asked for or with
 * one asked for before it: asking for record i decodes it with the next ones not decoded
 * yet, up to `batchBytes` of text. Readers ask in about the order they are listed; what is
 * held is the records decoded and not asked for yet, about one batch.
 */
export function fullRecordBatches(data: readonly (Uint8Array | undefined)[]): (i: number) => FullRecord {
  const state = new Uint8Array(data.length);
  const decoded = new Map<number, FullRecord>();
  return (i) => {
    if (state[i] === handedOut) throw new Error(`full record ${i} was asked for twice`);
    if (state[i] === pending) decodeBatch(data, i, state, decoded);
    const record = decoded.get(i);
    if (!record) throw new Error(`full record ${i} has no data`);
    decoded.delete(i);
    state[i] = handedOut;
    return record;
  };
}

function decodeBatch(
  data: readonly (Uint8Array | undefined)[],
  from: number,
  state: Uint8Array,
  into: Map<number, FullRecord>,
): void {
  const parts: Buffer[] = [open];
  const members: number[] = [];
  let bytes = 0;
  for (let i = from; i < data.length && bytes < batchBytes; i++) {
    const stored = data[i];
    if (!stored || state[i] !== pending) continue;
    const text = decompress(stored);
    // A record is one JSON object: a text that is not cannot shift its neighbours' places.
    if (text[0] !== 0x7b || text[text.length - 1] !== 0x7d)
      throw new Error(`full record ${i} is not a JSON object`);
    if (members.length > 0) parts.push(comma);
    parts.push(text);
    members.push(i);
    bytes += text.byteLength;
  }
  if (members.length === 0) return;
  parts.push(close);
  const values: unknown = JSON.parse(Buffer.concat(parts, bytes + members.length + 1).toString("utf8"));
  if (!Array.isArray(values) || values.length !== members.length)
    throw new Error("full records did not decode one value each");
  members.forEach((i, at) => {
    into.set(i, checkFullRecord(values[at]));
    state[i] = waiting;
  });
}
