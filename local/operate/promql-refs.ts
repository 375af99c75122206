/**
 * What a PromQL expression of ours refers to: the metric names it selects with the label
 * names of their matchers, and the label names it aggregates or joins by. Not a PromQL
 * parser (promtool and Prometheus parse the expressions for real, in CI and in the e2e
 * suite): it reads the shapes our dashboards and rules use, so a test can hold every name
 * against the catalogue.
 */
export interface PromqlRefs {
  selectors: { metric: string; labels: string[] }[];
  /** Labels named in by/without/on/ignoring/group_left/group_right clauses. */
  groupingLabels: string[];
  /** Labels an expression creates (label_replace's destination). */
  createdLabels: string[];
}

const functionsAndKeywords = new Set([
  "sum",
  "min",
  "max",
  "avg",
  "count",
  "topk",
  "bottomk",
  "quantile",
  "stddev",
  "stdvar",
  "count_values",
  "group",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
  "and",
  "or",
  "unless",
  "rate",
  "increase",
  "irate",
  "delta",
  "idelta",
  "resets",
  "changes",
  "time",
  "timestamp",
  "vector",
  "scalar",
  "abs",
  "clamp_min",
  "clamp_max",
  "label_replace",
  "label_join",
  "last_over_time",
  "max_over_time",
  "min_over_time",
  "avg_over_time",
  "absent",
  "absent_over_time",
  "sort",
  "sort_desc",
  "round",
  "floor",
  "ceil",
  "histogram_quantile",
  "count_over_time",
  "present_over_time",
  "days",
  "inf",
  "nan",
]);

/** Grafana's variables, replaced by values Prometheus accepts so the text parses as PromQL. */
export function withGrafanaVariables(expr: string, window: string, step = "1m"): string {
  return expr
    .replaceAll("$__range", window)
    .replaceAll("$__interval", step)
    .replaceAll("$__rate_interval", step)
    .replaceAll("$zone", ".*")
    .replaceAll("$account", ".*");
}

const stripStrings = (expr: string) => expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');

export function promqlRefs(expr: string): PromqlRefs {
  // label_replace(v, "dst", "replacement", "src", "regex"): the only call ending in four strings.
  const createdLabels = [
    ...expr.matchAll(
      /,\s*"([a-zA-Z_][a-zA-Z0-9_]*)"\s*,\s*"[^"]*"\s*,\s*"[a-zA-Z_][a-zA-Z0-9_]*"\s*,\s*"[^"]*"\s*\)/g,
    ),
  ].map((m) => m[1] ?? "");
  const text = stripStrings(expr);
  const groupingLabels = [
    ...text.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g),
  ].flatMap((m) =>
    (m[1] ?? "")
      .split(",")
      .map((label) => label.trim())
      .filter((label) => label !== ""),
  );
  // Drop the grouping clauses so their labels are not read as metric names.
  const body = text.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const selectors: PromqlRefs["selectors"] = [];
  for (const match of body.matchAll(
    /(?<![a-zA-Z0-9_:.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?(\s*\()?/g,
  )) {
    const [, name = "", braces, call] = match;
    if (call || functionsAndKeywords.has(name) || /^\d/.test(name)) continue;
    const labels = braces
      ? [...braces.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1] ?? "")
      : [];
    selectors.push({ metric: name, labels });
  }
  return { selectors, groupingLabels, createdLabels };
}
