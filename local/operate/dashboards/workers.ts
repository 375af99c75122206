import type { DashboardSpec } from "../grafana.ts";
import { counted, gauge, share, top } from "../queries.ts";

const requests = "cloudflare_worker_requests_total";
const errors = "cloudflare_worker_errors_total";

export const workers: DashboardSpec = {
  file: "cloudflare-workers",
  title: "Cloudflare: Workers",
  description:
    "Worker invocations, errors, CPU time and duration by script (account scope: filter by account).",
  rows: [
    {
      title: "Invocations",
      panels: [
        { title: "Invocations", kind: "stat", width: 8, targets: [{ expr: counted(requests, "$__range") }] },
        { title: "Errors", kind: "stat", width: 8, targets: [{ expr: counted(errors, "$__range") }] },
        {
          title: "Error share",
          kind: "stat",
          width: 8,
          unit: "percentunit",
          targets: [{ expr: share(counted(errors, "$__range"), counted(requests, "$__range")) }],
        },
        {
          title: "Invocations by script",
          kind: "timeseries",
          bars: true,
          targets: [{ expr: counted(requests, "$__interval", ["script_name"]), legend: "{{script_name}}" }],
        },
        {
          title: "Errors by script",
          kind: "timeseries",
          bars: true,
          targets: [{ expr: counted(errors, "$__interval", ["script_name"]), legend: "{{script_name}}" }],
        },
        {
          title: "Top scripts by invocations",
          kind: "bargauge",
          width: 12,
          targets: [{ expr: top(10, requests, ["script_name"]), legend: "{{script_name}}" }],
        },
        {
          title: "Top scripts by errors",
          kind: "bargauge",
          width: 12,
          targets: [{ expr: top(10, errors, ["script_name"]), legend: "{{script_name}}" }],
        },
      ],
    },
    {
      title: "Cost (last counted minute)",
      panels: [
        {
          title: "CPU time p50 and p99",
          kind: "timeseries",
          unit: "s",
          targets: [
            {
              expr: gauge(
                "cloudflare_worker_cpu_time_seconds",
                ["script_name", "quantile"],
                "max",
                'quantile=~"0.5|0.99"',
              ),
              legend: "{{script_name}} p{{quantile}}",
            },
          ],
        },
        {
          title: "Duration p50 and p99",
          kind: "timeseries",
          unit: "short",
          description: "GB-seconds of one invocation",
          targets: [
            {
              expr: gauge(
                "cloudflare_worker_duration_gigabyte_seconds",
                ["script_name", "quantile"],
                "max",
                'quantile=~"0.5|0.99"',
              ),
              legend: "{{script_name}} p{{quantile}}",
            },
          ],
        },
      ],
    },
  ],
};
