import {
  chunkChars,
  type Family,
  formatValue,
  type NormalizedFamily,
  normalizeEach,
  type SortMemory,
} from "./model.ts";

export const textContentType = "text/plain; version=0.0.4; charset=utf-8";

const escapeHelp = (help: string) => help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");

/** One family in the Prometheus text exposition format 0.0.4, in pieces. */
function* familyText(family: NormalizedFamily): Generator<string> {
  let out = `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
  const { keys, values, order } = family;
  for (const i of order) {
    out += `${keys[i]} ${formatValue(values[i] as number)}\n`;
    if (out.length >= chunkChars) {
      yield out;
      out = "";
    }
  }
  yield out;
}

/** The exposition family by family, for a stream. */
export function* textChunks(families: readonly Family[], memory?: SortMemory): Generator<string> {
  for (const family of normalizeEach(families, memory)) yield* familyText(family);
}

/** Prometheus text exposition format 0.0.4. */
export function renderText(families: readonly Family[]): string {
  return [...textChunks(families)].join("");
}
