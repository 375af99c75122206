import { type Family, formatValue, normalize } from "./model.ts";

export const openMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

export const escapeHelp = (help: string) =>
  help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');

/**
 * OpenMetrics 1.0: a counter family is named without `_total`, its samples carry it, and
 * each series has a `_created` sample; the exposition ends with `# EOF`.
 */
export function renderOpenMetrics(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const family of normalize(families)) {
    const counter = family.type === "counter";
    const base = counter ? family.name.replace(/_total$/, "") : family.name;
    lines.push(`# TYPE ${base} ${family.type}`, `# HELP ${base} ${escapeHelp(family.help)}`);
    for (const { labels, value, created } of family.series) {
      lines.push(`${counter ? `${base}_total` : base}${labels} ${formatValue(value)}`);
      if (counter && created !== undefined) lines.push(`${base}_created${labels} ${formatValue(created)}`);
    }
  }
  lines.push("# EOF");
  return `${lines.join("\n")}\n`;
}

/** Whether the scraper asked for OpenMetrics (Prometheus does, first, when it can). */
export { wantsOpenMetrics } from "../lib/negotiation.ts";
