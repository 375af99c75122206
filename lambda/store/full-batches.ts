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

const misread = "bad full record";
const open = Buffer.from("[");
const comma = Buffer.from(",");
const close = Buffer.from("]");

/**
 * The full records `data` holds (indexed as it is), each decoded when asked for or with
 * one asked for before it: asking for record i decodes it with the next ones not decoded
 * yet, up to `batchBytes` of text. Readers ask in about the order they are listed, each
 * once; what is held is the records decoded and not asked for yet, about one batch.
 */
export function fullRecordBatches(data: readonly (Uint8Array | undefined)[]): (i: number) => FullRecord {
  const decoded = new Map<number, FullRecord>();
  const started = new Uint8Array(data.length);
  return (i) => {
    if (!started[i]) decodeBatch(data, i, started, decoded);
    const record = decoded.get(i);
    if (!record) throw new Error(misread);
    decoded.delete(i);
    return record;
  };
}

function decodeBatch(
  data: readonly (Uint8Array | undefined)[],
  from: number,
  started: Uint8Array,
  into: Map<number, FullRecord>,
): void {
  const parts: Buffer[] = [open];
  const members: number[] = [];
  let bytes = 0;
  for (let i = from; i < data.length && bytes < batchBytes; i++) {
    const stored = data[i];
    if (!stored || started[i]) continue;
    const text = decompress(stored);
    if (members.length > 0) parts.push(comma);
    parts.push(text);
    members.push(i);
    started[i] = 1;
    bytes += text.byteLength;
  }
  // Joined as bytes: a string joined from strings would be flattened into V8's heap again.
  parts.push(close);
  const joined = Buffer.concat(parts);
  // An array (its brackets are these: a record closing it early leaves text after it, which
  // JSON refuses). One value a record: a text holding none (blank) would leave two commas
  // side by side, which JSON refuses too, so a count that matches leaves no record in
  // another's place.
  const values = JSON.parse(joined.toString()) as unknown[];
  if (values.length !== members.length) throw new Error(misread);
  for (const [at, i] of members.entries()) into.set(i, checkFullRecord(values[at]));
}
