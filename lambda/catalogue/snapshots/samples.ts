import { seriesKey } from "../series-key.ts";
import type { SnapshotSample } from "../snapshot-group.ts";

/**
 * One sample per series: two samples with the same name and labels would make Prometheus
 * refuse the whole scrape, so samples that land on one series are combined with `merge`.
 * The first sample of each series keeps its place.
 */
export function mergeSamples(
  samples: readonly SnapshotSample[],
  merge: (kept: number, next: number) => number,
): SnapshotSample[] {
  const bySeries = new Map<string, SnapshotSample>();
  for (const sample of samples) {
    const key = seriesKey(sample.family, sample.labels);
    const kept = bySeries.get(key);
    bySeries.set(key, kept ? { ...kept, value: merge(kept.value, sample.value) } : sample);
  }
  return [...bySeries.values()];
}
