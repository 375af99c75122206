import type { DashboardSpec } from "../grafana.ts";
import { counted, gauge } from "../queries.ts";

const tunnel = ["tunnel_name", "site_name"];

export const products: DashboardSpec = {
  file: "cloudflare-products",
  title: "Cloudflare: certificates, Logpush and Magic Transit",
  description: "Edge certificates, Logpush jobs and Magic Transit tunnels.",
  rows: [
    {
      title: "Certificates",
      panels: [
        {
          title: "Days until each certificate expires",
          kind: "table",
          width: 24,
          targets: [
            {
              expr: `(${gauge("cloudflare_zone_certificate_expiry_timestamp_seconds", ["zone", "type", "issuer", "status", "certificate_id"], "min")} - time()) / 86400`,
            },
          ],
        },
      ],
    },
    {
      title: "Logpush",
      panels: [
        {
          title: "Failed push attempts by zone job",
          kind: "timeseries",
          bars: true,
          targets: [
            {
              expr: counted("cloudflare_logpush_failed_jobs_zone_total", "$__interval", [
                "zone",
                "job_id",
                "destination_type",
              ]),
              legend: "{{zone}} {{job_id}} {{destination_type}}",
            },
          ],
        },
        {
          title: "Lost batches by zone job",
          kind: "timeseries",
          bars: true,
          targets: [
            {
              expr: counted("cloudflare_logpush_lost_batches_zone_total", "$__interval", ["zone", "job_id"]),
              legend: "{{zone}} {{job_id}}",
            },
          ],
        },
        {
          title: "Failed push attempts by account job",
          kind: "timeseries",
          bars: true,
          targets: [
            {
              expr: counted("cloudflare_logpush_failed_jobs_account_total", "$__interval", [
                "job_id",
                "status",
              ]),
              legend: "{{job_id}} {{status}}",
            },
          ],
        },
        {
          title: "Lost batches by account job",
          kind: "timeseries",
          bars: true,
          targets: [
            {
              expr: counted("cloudflare_logpush_lost_batches_account_total", "$__interval", ["job_id"]),
              legend: "{{job_id}}",
            },
          ],
        },
      ],
    },
    {
      title: "Magic Transit (last counted minute)",
      panels: [
        {
          title: "Healthy health checks by tunnel",
          kind: "timeseries",
          targets: [
            {
              expr: gauge("cloudflare_magic_transit_healthy_tunnels", tunnel, "sum"),
              legend: "{{tunnel_name}} {{site_name}}",
            },
          ],
        },
        {
          title: "Failed health checks by tunnel",
          kind: "timeseries",
          targets: [
            {
              expr: gauge("cloudflare_magic_transit_tunnel_failures", tunnel, "sum"),
              legend: "{{tunnel_name}} {{site_name}}",
            },
          ],
        },
        {
          title: "Tunnels down (1) by tunnel",
          kind: "timeseries",
          targets: [
            {
              expr: gauge("cloudflare_magic_transit_tunnel_state_down", tunnel),
              legend: "{{tunnel_name}} {{site_name}}",
            },
          ],
        },
        {
          title: "Edge cities checking each tunnel",
          kind: "timeseries",
          targets: [
            {
              expr: gauge("cloudflare_magic_transit_edge_colos", tunnel),
              legend: "{{tunnel_name}} {{site_name}}",
            },
          ],
        },
      ],
    },
  ],
};
