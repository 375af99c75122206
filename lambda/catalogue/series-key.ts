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

/**
 * `seriesKey(metric, { ...labels, [name]: value })` without building that label set: the
 * fetcher makes one key a sample, each with its zone's (or account's) label.
 */
export function seriesKeyWith(
  metric: string,
  labels: Readonly<Record<string, string>>,
  name: string,
  value: string,
): string {
  const names = Object.keys(labels);
  if (!Object.hasOwn(labels, name)) names.push(name);
  names.sort();
  let key = `${metric}{`;
  for (const [i, each] of names.entries())
    key += `${i === 0 ? "" : ","}${each}="${escapeLabelValue(each === name ? value : (labels[each] ?? ""))}"`;
  return `${key}}`;
}

/** The metric name of a series key: the text before its label set. */
export function familyOfKey(key: string): string {
  const brace = key.indexOf("{");
  return brace < 0 ? key : key.slice(0, brace);
}

/** A series key, `name{a="x",b="y"}`, back into its name and labels (values unescaped). */
export function parseSeriesKey(key: string): { name: string; labels: [string, string][] } {
  const brace = key.indexOf("{");
  if (brace < 0) return { name: key, labels: [] };
  const labels: [string, string][] = [];
  for (const match of key.slice(brace).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    const raw = match[2] ?? "";
    labels.push([match[1] ?? "", raw.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c))]);
  }
  return { name: key.slice(0, brace), labels };
}
