import type { DashboardSpec } from "../grafana.ts";
import { counted, gauge, share, statusClass, top } from "../queries.ts";

const requests = "cloudflare_zone_requests_total";
const statusByClass = (window: "$__interval" | "$__range") =>
  `sum by (class) (${statusClass(counted("cloudflare_zone_requests_status_total", window, ["status"]), "status")})`;

export const overview: DashboardSpec = {
  file: "cloudflare-overview",
  title: "Cloudflare: overview",
  description:
    "Zone traffic as Cloudflare's dashboard counts it: every settled minute once. Counts over a range are exact differences of counters that never reset.",
  rows: [
    {
      title: "Totals over the selected range",
      panels: [
        { title: "Requests", kind: "stat", targets: [{ expr: counted(requests, "$__range") }] },
        {
          title: "Cached share",
          kind: "stat",
          unit: "percentunit",
          targets: [
            {
              expr: share(
                counted("cloudflare_zone_requests_cached_total", "$__range"),
                counted(requests, "$__range"),
              ),
            },
          ],
        },
        {
          title: "Bandwidth",
          kind: "stat",
          unit: "bytes",
          targets: [{ expr: counted("cloudflare_zone_bandwidth_total", "$__range") }],
        },
        {
          title: "Threats",
          kind: "stat",
          targets: [{ expr: counted("cloudflare_zone_threats_total", "$__range") }],
        },
        {
          title: "Page views",
          kind: "stat",
          targets: [{ expr: counted("cloudflare_zone_pageviews_total", "$__range") }],
        },
        {
          title: "5xx share",
          kind: "stat",
          unit: "percentunit",
          targets: [
            {
              expr: share(
                counted("cloudflare_zone_requests_status_total", "$__range", [], 'status=~"5.*"'),
                counted(requests, "$__range"),
              ),
            },
          ],
        },
      ],
    },
    {
      title: "Traffic",
      panels: [
        {
          title: "Requests by zone",
          kind: "timeseries",
          bars: true,
          targets: [{ expr: counted(requests, "$__interval", ["zone"]), legend: "{{zone}}" }],
        },
        {
          title: "Requests by status class",
          kind: "timeseries",
          bars: true,
          targets: [{ expr: statusByClass("$__interval"), legend: "{{class}}" }],
        },
        {
          title: "Bandwidth, all and cached",
          kind: "timeseries",
          unit: "bytes",
          targets: [
            { expr: counted("cloudflare_zone_bandwidth_total", "$__interval"), legend: "all" },
            { expr: counted("cloudflare_zone_bandwidth_cached_total", "$__interval"), legend: "cached" },
          ],
        },
        {
          title: "Cached share of requests",
          kind: "timeseries",
          unit: "percentunit",
          targets: [
            {
              expr: share(
                counted("cloudflare_zone_requests_cached_total", "$__interval", ["zone"]),
                counted(requests, "$__interval", ["zone"]),
              ),
              legend: "{{zone}}",
            },
          ],
        },
        {
          title: "Threats by type",
          kind: "timeseries",
          bars: true,
          targets: [
            {
              expr: counted("cloudflare_zone_threats_type_total", "$__interval", ["type"]),
              legend: "{{type}}",
            },
          ],
        },
        {
          title: "Edge and origin error rates (last counted minute)",
          kind: "timeseries",
          unit: "percentunit",
          targets: [
            { expr: gauge("cloudflare_zone_edge_error_rate", ["zone"]), legend: "edge {{zone}}" },
            {
              expr: gauge("cloudflare_zone_origin_error_rate", ["zone"]),
              legend: "origin 5xx share {{zone}}",
            },
          ],
        },
      ],
    },
    {
      title: "Top over the selected range",
      panels: [
        {
          title: "Top countries by requests",
          kind: "bargauge",
          targets: [
            { expr: top(10, "cloudflare_zone_requests_country_total", ["country"]), legend: "{{country}}" },
          ],
        },
        {
          title: "Top data centers by requests",
          kind: "bargauge",
          targets: [
            { expr: top(10, "cloudflare_zone_colocation_requests_total", ["colo"]), legend: "{{colo}}" },
          ],
        },
        {
          title: "Top hosts by requests",
          kind: "bargauge",
          targets: [
            { expr: top(10, "cloudflare_zone_colocation_requests_total", ["host"]), legend: "{{host}}" },
          ],
        },
        {
          title: "Top content types by bytes",
          kind: "bargauge",
          unit: "bytes",
          targets: [
            {
              expr: top(10, "cloudflare_zone_bandwidth_content_type_total", ["content_type"]),
              legend: "{{content_type}}",
            },
          ],
        },
        {
          title: "Requests by HTTP method",
          kind: "bargauge",
          targets: [
            { expr: top(10, "cloudflare_zone_requests_by_method_total", ["method"]), legend: "{{method}}" },
          ],
        },
        {
          title: "Requests by TLS version",
          kind: "bargauge",
          targets: [
            {
              expr: top(10, "cloudflare_zone_requests_ssl_protocol_total", ["ssl_protocol"]),
              legend: "{{ssl_protocol}}",
            },
          ],
        },
      ],
    },
  ],
};
