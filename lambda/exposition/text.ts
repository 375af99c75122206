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
  writeByte,
  writeText,
  writeValue,
} from "./bytes.ts";
import { type Family, type NormalizedFamily, normalizeEach, type SortMemory } from "./model.ts";

export const textContentType = "text/plain; version=0.0.4; charset=utf-8";

const escapeHelp = (help: string) => help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");

/** One family in the Prometheus text exposition format 0.0.4, into the writer; full buffers handed on. */
function* familyText(family: NormalizedFamily, writer: ByteWriter): Generator<Buffer> {
  yield* printText(
    writer,
    `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`,
  );
  const { keys, values, order } = family;
  for (let n = 0; n < order.length; n++) {
    const i = order[n] as number;
    const key = keys[i] as string;
    const value = values[i] as number;
    const bytes = utf8Bound(key.length) + valueBytes + 2;
    const filled = roomFor(writer, bytes);
    if (filled) yield filled;
    writeText(writer, key);
    writeByte(writer, 0x20);
    writeValue(writer, value);
    writeByte(writer, 0x0a);
  }
}

/**
 * The exposition family by family as UTF-8, in buffers of the pool: each is handed on when
 * full, and is the reader's to give back (bytes.ts `releaseChunk`) once done with it.
 */
export function* textBuffers(
  families: readonly Family[],
  memory: SortMemory | undefined,
  pool: ChunkPool,
): Generator<Buffer> {
  const writer = createWriter(pool);
  for (const family of normalizeEach(families, memory)) yield* familyText(family, writer);
  const last = lastChunk(writer);
  if (last) yield last;
}

/** The exposition family by family, as text. */
export function textChunks(families: readonly Family[], memory?: SortMemory): Generator<string> {
  const pool = createChunkPool();
  return decodeChunks(textBuffers(families, memory, pool), pool);
}

/** Prometheus text exposition format 0.0.4. */
export function renderText(families: readonly Family[]): string {
  return [...textChunks(families)].join("");
}
