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
 * are one series (counters add, gauges keep the last).
 */
export function normalize(families: readonly Family[]): NormalizedFamily[] {
  const byName = new Map<
    string,
    { family: Family; series: Map<string, { value: number; created: number | undefined }> }
  >();
  for (const family of families) {
    let entry = byName.get(family.name);
    if (!entry) {
      entry = { family, series: new Map() };
      byName.set(family.name, entry);
    }
    const counter = family.type === "counter";
    for (const sample of family.samples) {
      const sorted =
        sample.labels.length > 1 ? [...sample.labels].sort(([a], [b]) => byText(a, b)) : sample.labels;
      const labels = formatLabels(sorted);
      const previous = entry.series.get(labels);
      if (previous && counter) {
        previous.value += sample.value;
        if (sample.created !== undefined)
          previous.created = Math.min(previous.created ?? sample.created, sample.created);
      } else {
        entry.series.set(labels, { value: sample.value, created: sample.created });
      }
    }
  }
  return [...byName.values()]
    .sort((a, b) => byText(a.family.name, b.family.name))
    .map(({ family, series }) => ({
      name: family.name,
      help: family.help,
      type: family.type,
      series: [...series.entries()].sort(([a], [b]) => byText(a, b)).map(([labels, s]) => ({ labels, ...s })),
    }));
}
