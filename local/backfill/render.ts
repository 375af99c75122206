import { exposedType, type MetricFamily } from "../../lambda/catalogue/query-group.ts";
import { parseSeriesKey } from "../../lambda/catalogue/series-key.ts";
import type { SamplesByMinute } from "../../lambda/collect/accumulate.ts";
import { formatLabels, formatValue } from "../../lambda/exposition/model.ts";
import { escapeHelp } from "../../lambda/exposition/openmetrics.ts";

/**
 * Per-minute samples → OpenMetrics with timestamps, ready for `promtool tsdb
 * create-blocks-from openmetrics`. As the push stamps them: a counter starts at 0 at its
 * first minute with data and carries its cumulative value at the end of every minute after
 * (minute m at m+60, up to the range's end), so the increase between two samples is exactly
 * the minutes between them; a gauge carries each bucket's value at the bucket's time.
 * Families are contiguous, each series' samples contiguous and in time order, as the
 * format asks. Pure.
 */
export function renderBackfill(
  minutes: SamplesByMinute,
  range: { from: number; to: number },
  registry: ReadonlyMap<string, MetricFamily>,
): { text: string; series: number; samples: number } {
  const bySeries = new Map<string, { counter: boolean; points: Map<number, number> }>();
  for (const [minute, samples] of minutes) {
    if (minute < range.from || minute >= range.to) continue;
    for (const [key, sample] of samples) {
      const entry = bySeries.get(key) ?? { counter: sample.type === "counter", points: new Map() };
      entry.points.set(minute, sample.value);
      bySeries.set(key, entry);
    }
  }
  const families = new Map<string, { key: string; lines: string[] }[]>();
  let samples = 0;
  for (const [key, { counter, points }] of bySeries) {
    const { name, labels } = parseSeriesKey(key);
    const text = formatLabels(labels);
    const lines: string[] = [];
    const first = Math.min(...points.keys());
    if (counter) {
      let total = 0;
      lines.push(`${name}${text} 0 ${first}`);
      for (let m = first; m < range.to; m += 60) {
        total += points.get(m) ?? 0;
        lines.push(`${name}${text} ${formatValue(total)} ${m + 60}`);
      }
    } else {
      for (const m of [...points.keys()].sort((a, b) => a - b))
        lines.push(`${name}${text} ${formatValue(points.get(m) ?? 0)} ${m}`);
    }
    samples += lines.length;
    const list = families.get(name) ?? [];
    list.push({ key, lines });
    families.set(name, list);
  }
  const out: string[] = [];
  for (const name of [...families.keys()].sort()) {
    const family = registry.get(name);
    const type = family ? exposedType(family) : "unknown";
    // A counter family is named without `_total`; one whose name lacks it, and quantile
    // families (Cloudflare sends no sum or count), go in as `unknown` under their own name.
    const asCounter = type === "counter" && name.endsWith("_total");
    const base = asCounter ? name.slice(0, -"_total".length) : name;
    out.push(`# TYPE ${base} ${asCounter ? "counter" : type === "gauge" ? "gauge" : "unknown"}`);
    if (family) out.push(`# HELP ${base} ${escapeHelp(family.help)}`);
    for (const { lines } of (families.get(name) ?? []).sort((a, b) => (a.key < b.key ? -1 : 1)))
      out.push(...lines);
  }
  out.push("# EOF");
  return { text: `${out.join("\n")}\n`, series: bySeries.size, samples };
}
