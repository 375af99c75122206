import {
  type ByteWriter,
  type ChunkPool,
  createChunkPool,
  createWriter,
  decodeChunks,
  lastChunk,
  printText,
  roomFor,
  utf8Bound,
  valueBytes,
  writeAgain,
  writeByte,
  writeBytes,
  writeText,
  writeValue,
} from "./bytes.ts";
import { type Family, type NormalizedFamily, normalizeEach, type SortMemory } from "./model.ts";

export const openMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

export const escapeHelp = (help: string) =>
  help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');

function* familyOpenMetrics(family: NormalizedFamily, writer: ByteWriter): Generator<Buffer> {
  const counter = family.type === "counter";
  const base = counter ? family.name.replace(/_total$/, "") : family.name;
  const sampleName = counter ? `${base}_total` : base;
  yield* printText(writer, `# TYPE ${base} ${family.type}\n# HELP ${base} ${escapeHelp(family.help)}\n`);
  const { keys, values, created, order } = family;
  const cut = family.name.length;
  const sample = Buffer.from(sampleName);
  const createdBytes = Buffer.from(`${base}_created`);
  // Every key starts with the family's name: a key is printed whole, placed so that its
  // labels land after the sample's name, and the sample's name is then written over the
  // key's own. So the labels are neither cut out as a string nor encoded twice. A metric
  // name is ASCII (Prometheus' rules; test/exposition/bytes.test.ts checks every name the
  // endpoint knows): as many bytes as characters.
  const shift = sample.byteLength - cut;
  for (let n = 0; n < order.length; n++) {
    const i = order[n] as number;
    const key = keys[i] as string;
    const value = values[i] as number;
    const start = created[i] as number;
    const withCreated = counter && !Number.isNaN(start);
    const line = utf8Bound(key.length) + valueBytes + 2;
    const bytes = (withCreated ? 2 * line + createdBytes.byteLength : line) + sample.byteLength;
    const filled = roomFor(writer, bytes);
    if (filled) yield filled;
    const lineStart = writer.at;
    writer.at = lineStart + shift;
    writeText(writer, key);
    const labelsEnd = writer.at;
    writer.buffer.set(sample, lineStart);
    writeByte(writer, 0x20);
    writeValue(writer, value);
    writeByte(writer, 0x0a);
    if (!withCreated) continue;
    writeBytes(writer, createdBytes);
    writeAgain(writer, lineStart + sample.byteLength, labelsEnd);
    writeByte(writer, 0x20);
    writeValue(writer, start);
    writeByte(writer, 0x0a);
  }
}

/**
 * OpenMetrics 1.0, family by family, as UTF-8 in buffers of the pool (each the reader's to
 * give back: bytes.ts `releaseChunk`): a counter family is named without `_total`, its
 * samples carry it, and each series has a `_created` sample; the exposition ends with `# EOF`.
 */
export function* openMetricsBuffers(
  families: readonly Family[],
  memory: SortMemory | undefined,
  pool: ChunkPool,
): Generator<Buffer> {
  const writer = createWriter(pool);
  for (const family of normalizeEach(families, memory)) yield* familyOpenMetrics(family, writer);
  yield* printText(writer, "# EOF\n");
  const last = lastChunk(writer);
  if (last) yield last;
}

/** OpenMetrics 1.0 family by family, as text. */
export function openMetricsChunks(families: readonly Family[], memory?: SortMemory): Generator<string> {
  const pool = createChunkPool();
  return decodeChunks(openMetricsBuffers(families, memory, pool), pool);
}

export function renderOpenMetrics(families: readonly Family[]): string {
  return [...openMetricsChunks(families)].join("");
}

/** Whether the scraper asked for OpenMetrics (Prometheus does, first, when it can). */
export { wantsOpenMetrics } from "../lib/negotiation.ts";
