import type { DashboardSpec } from "../grafana.ts";
import { counted, gauge, selector } from "../queries.ts";

const until = "cloudflare_exporter_collected_until_timestamp_seconds";

export const exporter: DashboardSpec = {
  file: "cloudflare-exporter",
  title: "Cloudflare: the exporter",
  description:
    "Is the data fresh and complete? Data age per zone and query group, Cloudflare errors and rate limits, lost minutes and dropped samples.",
  rows: [
    {
      title: "Health",
      panels: [
        { title: "Exporter up", kind: "stat", targets: [{ expr: "min(cloudflare_exporter_up)" }] },
        { title: "Zones discovered", kind: "stat", targets: [{ expr: "sum(cloudflare_zones_filtered)" }] },
        {
          title: "Zones with counted data",
          kind: "stat",
          targets: [{ expr: "sum(cloudflare_zones_processed)" }],
        },
        {
          title: "Oldest data age",
          kind: "stat",
          unit: "s",
          targets: [{ expr: `time() - min(${selector(until)})` }],
        },
        {
          title: "Minutes lost in range",
          kind: "stat",
          targets: [{ expr: `(${counted("cloudflare_exporter_lost_seconds_total", "$__range")}) / 60` }],
        },
        {
          title: "Samples dropped in range",
          kind: "stat",
          targets: [{ expr: counted("cloudflare_exporter_dropped_samples_total", "$__range") }],
        },
      ],
    },
    {
      title: "Data age",
      panels: [
        {
          title: "Data age by zone and query group",
          kind: "table",
          unit: "s",
          description:
            "Seconds since the end of the counted range (every minute before it is counted); REST snapshots: since the snapshot",
          targets: [{ expr: `time() - ${gauge(until, ["account", "zone", "query"])}` }],
        },
        {
          title: "Data age by zone (oldest group)",
          kind: "timeseries",
          unit: "s",
          targets: [{ expr: `time() - ${gauge(until, ["zone"], "min")}`, legend: "{{zone}}" }],
        },
      ],
    },
    {
      title: "Cloudflare API",
      panels: [
        {
          title: "Errors by code",
          kind: "timeseries",
          bars: true,
          targets: [
            {
              expr: counted("cloudflare_exporter_errors_total", "$__interval", ["account", "code"]),
              legend: "{{account}} {{code}}",
            },
          ],
        },
        {
          title: "Requests to Cloudflare by API",
          kind: "timeseries",
          bars: true,
          targets: [
            {
              expr: counted("cloudflare_exporter_cloudflare_requests_total", "$__interval", [
                "account",
                "api",
              ]),
              legend: "{{account}} {{api}}",
            },
          ],
        },
        {
          title: "Rate limit events (budget spent)",
          kind: "timeseries",
          bars: true,
          targets: [
            {
              expr: counted("cloudflare_exporter_rate_limit_events_total", "$__interval", ["account"]),
              legend: "{{account}}",
            },
          ],
        },
        {
          title: "Rejected config overrides",
          kind: "timeseries",
          targets: [{ expr: "sum by (key) (cloudflare_exporter_config_errors)", legend: "{{key}}" }],
        },
      ],
    },
    {
      title: "Completeness",
      panels: [
        {
          title: "Lost minutes by zone and group",
          kind: "timeseries",
          bars: true,
          targets: [
            {
              expr: `(${counted("cloudflare_exporter_lost_seconds_total", "$__interval", ["zone", "query"])}) / 60`,
              legend: "{{zone}} {{query}}",
            },
          ],
        },
        {
          title: "Dropped samples by family",
          kind: "timeseries",
          bars: true,
          targets: [
            {
              expr: counted("cloudflare_exporter_dropped_samples_total", "$__interval", ["zone", "family"]),
              legend: "{{zone}} {{family}}",
            },
          ],
        },
      ],
    },
  ],
};
