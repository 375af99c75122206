import { family } from "./catalogue.ts";

/**
 * The PromQL our dashboards are made of. The exporter's counters are persisted and never
 * reset (the e2e suite checks `resets()` = 0), and each grows once per settled minute. So
 * the count over a window is the exact difference of the counter at its two ends, not
 * `increase()`, which extrapolates to the window's edges and would show 1003.7 requests
 * where Cloudflare shows 1000. A series born inside the window counts from 0. With the
 * panels' minimum interval of 1m, Grafana's `$__interval` is a whole number of minutes.
 */
export type Window = "$__interval" | "$__range";

/** The dashboard variables a family can be filtered by: `zone` and `account`, where it has them. */
export function selector(metric: string, extra = ""): string {
  const { labels } = family(metric);
  const matchers = [
    ...(labels.includes("account") ? ['account=~"$account"'] : []),
    ...(labels.includes("zone") ? ['zone=~"$zone"'] : []),
    ...(extra ? [extra] : []),
  ];
  return `${metric}{${matchers.join(",")}}`;
}

function checkLabels(metric: string, by: readonly string[]): void {
  const { labels } = family(metric);
  for (const label of by) if (!labels.includes(label)) throw new Error(`${metric} has no label ${label}`);
}

const sumBy = (by: readonly string[], inner: string) =>
  by.length > 0 ? `sum by (${by.join(", ")}) (${inner})` : `sum(${inner})`;

/** What a counter counted in the window, summed by `by`: exact, see above. */
export function counted(metric: string, window: Window, by: readonly string[] = [], extra = ""): string {
  if (family(metric).type !== "counter") throw new Error(`${metric} is not a counter`);
  checkLabels(metric, by);
  const series = selector(metric, extra);
  // Per series, then summed: a series born inside the window counts from 0 (`or` matches
  // label sets without the metric name).
  return sumBy(by, `${series} - (${series} offset ${window} or ${series} * 0)`);
}

/** The `n` largest counts over the dashboard's range. */
export function top(n: number, metric: string, by: readonly string[], extra = ""): string {
  return `topk(${n}, ${counted(metric, "$__range", by, extra)})`;
}

/** A share (0-1) of two counts over the same window. */
export function share(part: string, whole: string): string {
  return `(${part}) / (${whole} > 0)`;
}

/** A gauge's last value, aggregated by `by` with `how`. */
export function gauge(metric: string, by: readonly string[], how = "max", extra = ""): string {
  if (family(metric).type === "counter") throw new Error(`${metric} is a counter`);
  checkLabels(metric, by);
  return `${how} by (${by.join(", ")}) (${selector(metric, extra)})`;
}

/** An HTTP status label (`503` or `5xx`) as its class, in a `class` label. */
export function statusClass(expr: string, label: string): string {
  return `label_replace(${expr}, "class", "\${1}xx", "${label}", "([0-9]).*")`;
}
