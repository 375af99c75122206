import * as z from "../../lib/zod.ts";
import {
  adaptiveGroup,
  counter,
  countSchema,
  each,
  type MetricFamily,
  minuteRowSchema,
  quantileSummary,
  type SeriesSpec,
} from "../query-group.ts";

/**
 * Workers invocations per script from `workersInvocationsAdaptive` (account scope): request
 * and error counters, and CPU time and duration quantiles.
 *
 * Rows are grouped by `scriptName` and the minute only. The reference also grouped by
 * `status`, which is no label, so one script gave several rows per minute and its counters
 * were summed wrongly (upstream issue #12). Quantiles of different rows cannot be combined
 * (neither summed nor averaged), and here they never need to be: one row per script and
 * minute is exactly one series per quantile. `merge: "max"` only names what would happen if
 * they ever did.
 *
 * `durationP*` is documented by Cloudflare as GB·s (memory × wall time), so it is exported
 * in that unit as `cloudflare_worker_duration_gigabyte_seconds`; the reference divided it by 1000
 * and called it seconds.
 */
const levels = [
  ["0.5", "P50"],
  ["0.75", "P75"],
  ["0.99", "P99"],
  ["0.999", "P999"],
] as const;
type Level = (typeof levels)[number][1];

const rowSchema = () => {
  const count = countSchema();
  return minuteRowSchema(
    {
      sum: z.object({ requests: count, errors: count }),
      quantiles: z.object({
        cpuTimeP50: count,
        cpuTimeP75: count,
        cpuTimeP99: count,
        cpuTimeP999: count,
        durationP50: count,
        durationP75: count,
        durationP99: count,
        durationP999: count,
      }),
    },
    { scriptName: z.string() },
  );
};
type Row = z.output<ReturnType<typeof rowSchema>>;

const script = (r: Row) => ({ script_name: r.dimensions.scriptName });

/** One gauge sample per quantile level of a row: `{script_name, quantile="0.5"}` … `"0.999"`. */
function quantiles(family: MetricFamily, value: (row: Row, level: Level) => number): SeriesSpec<Row> {
  return {
    family,
    merge: "max",
    values: (row) =>
      levels.map(([quantile, level]) => ({ labels: { ...script(row), quantile }, value: value(row, level) })),
  };
}

export const workers = adaptiveGroup<Row>({
  name: "workers",
  scope: "account",
  dataset: "workersInvocationsAdaptive",
  shards: 1,
  rowSchema,
  series: [
    each(
      counter("cloudflare_worker_requests_total", "Worker invocations (requests), by script", [
        "script_name",
      ]),
      (r) => r.sum.requests,
      script,
    ),
    each(
      counter(
        "cloudflare_worker_errors_total",
        "Worker invocations that ended in an error (such as an exception or exceeded resources), by script",
        ["script_name"],
      ),
      (r) => r.sum.errors,
      script,
    ),
    quantiles(
      quantileSummary(
        "cloudflare_worker_cpu_time_seconds",
        "CPU time of one Worker invocation at the given quantile, by script, in the last counted minute",
        ["script_name", "quantile"],
        "seconds",
      ),
      (r, level) => r.quantiles[`cpuTime${level}`] / 1e6,
    ),
    quantiles(
      quantileSummary(
        "cloudflare_worker_duration_gigabyte_seconds",
        "Duration of one Worker invocation in GB-seconds (memory times wall time, as Cloudflare bills it) at the given quantile, by script, in the last counted minute",
        ["script_name", "quantile"],
        "gigabyte-seconds",
      ),
      (r, level) => r.quantiles[`duration${level}`],
    ),
  ],
});
