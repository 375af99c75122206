/**
 * CloudWatch Embedded Metric Format: one JSON log line that CloudWatch Logs turns into
 * metrics, with no PutMetricData call (and no latency or IAM permission for one). The line
 * must be the whole log event, so write it to stdout as is, not through a logger that
 * prefixes or wraps it.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export type EmfUnit = "Seconds" | "Milliseconds" | "Count" | "Bytes" | "Percent" | "None";

export interface EmfDirective {
  /** Each set is one combination of dimension keys; `[]` publishes the metrics without dimensions. */
  dimensions: string[][];
  metrics: { name: string; unit: EmfUnit }[];
}

export interface EmfRecord {
  namespace: string;
  /** Milliseconds since the epoch: the metrics' timestamp. */
  timestamp: number;
  directives: EmfDirective[];
  /** Dimension values (strings) and metric values (numbers), as root members of the line. */
  members: Record<string, string | number>;
}

const maxMetricsPerDirective = 100;
const maxDimensionsPerSet = 30;

export function emfLine(record: EmfRecord): string {
  for (const directive of record.directives) {
    if (directive.metrics.length > maxMetricsPerDirective)
      throw new Error(`EMF allows ${maxMetricsPerDirective} metrics per directive`);
    for (const set of directive.dimensions) {
      if (set.length > maxDimensionsPerSet)
        throw new Error(`EMF allows ${maxDimensionsPerSet} dimensions per set`);
      for (const key of set) {
        if (typeof record.members[key] !== "string") throw new Error(`dimension ${key} has no string value`);
      }
    }
    for (const metric of directive.metrics) {
      const value = record.members[metric.name];
      if (typeof value !== "number" || !Number.isFinite(value))
        throw new Error(`metric ${metric.name} has no finite value`);
    }
  }
  return JSON.stringify({
    _aws: {
      Timestamp: Math.round(record.timestamp),
      CloudWatchMetrics: record.directives.map((directive) => ({
        Namespace: record.namespace,
        Dimensions: directive.dimensions,
        Metrics: directive.metrics.map((metric) => ({ Name: metric.name, Unit: metric.unit })),
      })),
    },
    ...record.members,
  });
}
