import type { DashboardSpec } from "../grafana.ts";
import { counted, gauge, top } from "../queries.ts";

const checks = "cloudflare_zone_health_check_events_origin_total";

export const loadBalancing: DashboardSpec = {
  file: "cloudflare-load-balancing",
  title: "Cloudflare: load balancing and health checks",
  description: "Load-balancer pools and origins, steering, origin weights, and health checks of origins.",
  rows: [
    {
      title: "Load balancers",
      panels: [
        {
          title: "Requests by pool",
          kind: "timeseries",
          bars: true,
          targets: [
            {
              expr: counted("cloudflare_zone_pool_requests_total", "$__interval", ["lb_name", "pool_name"]),
              legend: "{{lb_name}} / {{pool_name}}",
            },
          ],
        },
        {
          title: "Pool health (1 healthy, 0 unhealthy)",
          kind: "timeseries",
          targets: [
            {
              expr: gauge("cloudflare_zone_pool_health_status", ["lb_name", "pool_name"], "min"),
              legend: "{{lb_name}} / {{pool_name}}",
            },
          ],
        },
        {
          title: "Pool RTT",
          kind: "timeseries",
          unit: "s",
          targets: [
            {
              expr: gauge("cloudflare_zone_lb_pool_rtt_seconds", ["lb_name", "pool_name"]),
              legend: "{{lb_name}} / {{pool_name}}",
            },
          ],
        },
        {
          title: "Top origins selected",
          kind: "bargauge",
          width: 12,
          targets: [
            {
              expr: top(10, "cloudflare_zone_pool_requests_total", ["pool_name", "origin_name"]),
              legend: "{{pool_name}} / {{origin_name}}",
            },
          ],
        },
        {
          title: "Origin weights",
          kind: "table",
          targets: [
            {
              expr: gauge("cloudflare_zone_lb_origin_weight", [
                "zone",
                "lb_name",
                "pool_name",
                "origin_name",
              ]),
            },
          ],
        },
        {
          title: "Steering policy",
          kind: "table",
          targets: [
            { expr: gauge("cloudflare_zone_lb_steering_policy_info", ["zone", "lb_name", "policy"]) },
          ],
        },
      ],
    },
    {
      title: "Health checks",
      panels: [
        {
          title: "Health check events by result",
          kind: "timeseries",
          bars: true,
          targets: [{ expr: counted(checks, "$__interval", ["health_status"]), legend: "{{health_status}}" }],
        },
        {
          title: "Unhealthy checks by origin and reason",
          kind: "bargauge",
          width: 12,
          targets: [
            {
              expr: top(10, checks, ["origin_ip", "failure_reason"], 'health_status!="healthy"'),
              legend: "{{origin_ip}} {{failure_reason}}",
            },
          ],
        },
        {
          title: "Round-trip time by origin",
          kind: "timeseries",
          unit: "s",
          targets: [
            {
              expr: gauge("cloudflare_zone_health_check_rtt_seconds", ["origin_ip", "fqdn"]),
              legend: "{{fqdn}} {{origin_ip}}",
            },
          ],
        },
        {
          title: "Time to first byte by origin",
          kind: "timeseries",
          unit: "s",
          targets: [
            {
              expr: gauge("cloudflare_zone_health_check_ttfb_seconds", ["origin_ip", "fqdn"]),
              legend: "{{fqdn}} {{origin_ip}}",
            },
          ],
        },
      ],
    },
  ],
};
