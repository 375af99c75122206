/**
 * What the endpoint renders: metric families of samples. Built from stored state and
 * self-metrics; rendered by text.ts (Prometheus 0.0.4) or openmetrics.ts (OpenMetrics 1.0).
 */
/** A summary here is quantiles only (Cloudflare reports quantiles, not observations): no `_sum` or `_count`. */
export type FamilyType = "counter" | "gauge" | "summary";

export interface Sample {
  /** Label pairs in output order. */
  labels: readonly (readonly [string, string])[];
  value: number;
  /** Counters: when the series started (Unix seconds), for OpenMetrics `_created`. */
  created?: number;
}

export interface Family {
  /** For counters, the sample name including `_total`. */
  name: string;
  help: string;
  type: FamilyType;
  samples: Sample[];
  /**
   * Series already written as text: stored series keys (`name{a="x"}`, labels sorted by
   * name and escaped, as lambda/collect/series-key.ts writes them) beside their state
   * (`v` the value, `f` the counter's creation time). Printed as they are: no label is
   * parsed or rendered again, and no per-series object is built.
   */
  stored?: { keys: string[]; states: StoredValue[] };
}

export interface StoredValue {
  v: number;
  f: number;
}

export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

export function formatLabels(labels: Sample["labels"]): string {
  if (labels.length === 0) return "";
  return `{${labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

/** A family ready to print: series in label order, each with its label text rendered once. */
export interface NormalizedFamily {
  name: string;
  help: string;
  type: FamilyType;
  series: { labels: string; value: number; created: number | undefined }[];
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Families sorted by name, one HELP and TYPE each; labels in name order; equal label sets
 * are one series (counters add, gauges keep the last). One family at a time, so what is
 * held is the family being printed, not the whole exposition.
 */
export function* normalizeEach(families: readonly Family[]): Generator<NormalizedFamily> {
  const byName = Map.groupBy(families, (family) => family.name);
  for (const name of [...byName.keys()].sort(byText)) yield normalizeOne(byName.get(name) ?? []);
}

export function normalize(families: readonly Family[]): NormalizedFamily[] {
  return [...normalizeEach(families)];
}

function normalizeOne(parts: readonly Family[]): NormalizedFamily {
  const [first] = parts;
  if (!first) throw new Error("a family without parts");
  const counter = first.type === "counter";
  const series = new Map<string, { value: number; created: number | undefined }>();
  const add = (labels: string, value: number, created: number | undefined) => {
    const previous = series.get(labels);
    if (previous && counter) {
      previous.value += value;
      if (created !== undefined) previous.created = Math.min(previous.created ?? created, created);
    } else {
      series.set(labels, { value, created });
    }
  };
  for (const family of parts) {
    for (const sample of family.samples) {
      const sorted =
        sample.labels.length > 1 ? [...sample.labels].sort(([a], [b]) => byText(a, b)) : sample.labels;
      add(formatLabels(sorted), sample.value, sample.created);
    }
    const { keys = [], states = [] } = family.stored ?? {};
    const cut = first.name.length;
    keys.forEach((key, i) => {
      const state = states[i];
      if (state) add(key.slice(cut), state.v, counter ? state.f : undefined);
    });
  }
  return {
    name: first.name,
    help: first.help,
    type: first.type,
    series: [...series.entries()].sort(([a], [b]) => byText(a, b)).map(([labels, s]) => ({ labels, ...s })),
  };
}
