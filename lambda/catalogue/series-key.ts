import { escapeLabelValue } from "../exposition/model.ts";

/**
 * A series is identified by its metric name and label set, written the way the
 * Prometheus text format writes a sample's name: `name{a="x",b="y"}` with labels sorted
 * and values escaped. Equal label sets give equal keys, so rows that land on the same
 * series are merged before they are counted.
 */
export function seriesKey(metric: string, labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return metric;
  return `${metric}{${names.map((name) => `${name}="${escapeLabelValue(labels[name] ?? "")}"`).join(",")}}`;
}
