import {
  chunkChars,
  type Family,
  formatValue,
  type NormalizedFamily,
  normalizeEach,
  type SortMemory,
} from "./model.ts";

export const openMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

export const escapeHelp = (help: string) =>
  help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');

function* familyOpenMetrics(family: NormalizedFamily): Generator<string> {
  const counter = family.type === "counter";
  const base = counter ? family.name.replace(/_total$/, "") : family.name;
  const sampleName = counter ? `${base}_total` : base;
  let out = `# TYPE ${base} ${family.type}\n# HELP ${base} ${escapeHelp(family.help)}\n`;
  const { keys, values, created, order } = family;
  const cut = family.name.length;
  for (const i of order) {
    const labels = (keys[i] as string).slice(cut);
    out += `${sampleName}${labels} ${formatValue(values[i] as number)}\n`;
    const start = created[i] as number;
    if (counter && !Number.isNaN(start)) out += `${base}_created${labels} ${formatValue(start)}\n`;
    if (out.length >= chunkChars) {
      yield out;
      out = "";
    }
  }
  yield out;
}

/**
 * OpenMetrics 1.0, family by family: a counter family is named without `_total`, its
 * samples carry it, and each series has a `_created` sample; the exposition ends with `# EOF`.
 */
export function* openMetricsChunks(families: readonly Family[], memory?: SortMemory): Generator<string> {
  for (const family of normalizeEach(families, memory)) yield* familyOpenMetrics(family);
  yield "# EOF\n";
}

export function renderOpenMetrics(families: readonly Family[]): string {
  return [...openMetricsChunks(families)].join("");
}

/** Whether the scraper asked for OpenMetrics (Prometheus does, first, when it can). */
export { wantsOpenMetrics } from "../lib/negotiation.ts";
