import { type Family, formatValue, normalize } from "./model.ts";

export const textContentType = "text/plain; version=0.0.4; charset=utf-8";

const escapeHelp = (help: string) => help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");

/** Prometheus text exposition format 0.0.4. */
export function renderText(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const family of normalize(families)) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const series of family.series)
      lines.push(`${family.name}${series.labels} ${formatValue(series.value)}`);
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
