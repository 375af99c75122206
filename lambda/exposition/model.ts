/**
 * What the endpoint renders: metric families of samples. Built from stored state and
 * self-metrics; rendered by text.ts (Prometheus 0.0.4) or openmetrics.ts (OpenMetrics 1.0).
 */
export type FamilyType = "counter" | "gauge";

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

/** Families sorted by name, samples by labels: stable output, one HELP and TYPE per family. */
export function normalize(families: readonly Family[]): Family[] {
  const byName = new Map<string, Family>();
  for (const family of families) {
    const existing = byName.get(family.name);
    if (existing) existing.samples.push(...family.samples);
    else byName.set(family.name, { ...family, samples: [...family.samples] });
  }
  return [...byName.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((family) => ({ ...family, samples: dedupe(family) }));
}

/** Equal label sets are one series: counters add, gauges keep the last. */
function dedupe(family: Family): Sample[] {
  const bySeries = new Map<string, Sample>();
  for (const sample of family.samples) {
    const key = formatLabels([...sample.labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const previous = bySeries.get(key);
    if (previous && family.type === "counter") {
      bySeries.set(key, {
        ...previous,
        value: previous.value + sample.value,
        ...(previous.created !== undefined || sample.created !== undefined
          ? {
              created: Math.min(
                previous.created ?? Number.POSITIVE_INFINITY,
                sample.created ?? Number.POSITIVE_INFINITY,
              ),
            }
          : {}),
      });
    } else {
      bySeries.set(key, sample);
    }
  }
  return [...bySeries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, sample]) => sample);
}
