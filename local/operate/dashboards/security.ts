import type { DashboardSpec } from "../grafana.ts";
import { counted, top } from "../queries.ts";

const events = "cloudflare_zone_firewall_events_total";
const bots = "cloudflare_zone_firewall_bots_detected_total";

export const security: DashboardSpec = {
  file: "cloudflare-security",
  title: "Cloudflare: security",
  description: "Firewall events by action, source and rule; bots; threats.",
  rows: [
    {
      title: "Totals over the selected range",
      panels: [
        {
          title: "Firewall events",
          kind: "stat",
          width: 6,
          targets: [{ expr: counted(events, "$__range") }],
        },
        {
          title: "Blocked",
          kind: "stat",
          width: 6,
          targets: [{ expr: counted(events, "$__range", [], 'action="block"') }],
        },
        {
          title: "Bot events (score below 30)",
          kind: "stat",
          width: 6,
          targets: [{ expr: counted(bots, "$__range") }],
        },
        {
          title: "Threats",
          kind: "stat",
          width: 6,
          targets: [{ expr: counted("cloudflare_zone_threats_total", "$__range") }],
        },
      ],
    },
    {
      title: "Firewall events",
      panels: [
        {
          title: "Events by action",
          kind: "timeseries",
          bars: true,
          targets: [{ expr: counted(events, "$__interval", ["action"]), legend: "{{action}}" }],
        },
        {
          title: "Events by source",
          kind: "timeseries",
          bars: true,
          targets: [{ expr: counted(events, "$__interval", ["source"]), legend: "{{source}}" }],
        },
        {
          title: "Top rules",
          kind: "bargauge",
          targets: [{ expr: top(10, events, ["rule", "action"]), legend: "{{rule}} ({{action}})" }],
        },
        {
          title: "Top countries",
          kind: "bargauge",
          targets: [{ expr: top(10, events, ["country"]), legend: "{{country}}" }],
        },
        {
          title: "Top hosts",
          kind: "bargauge",
          targets: [{ expr: top(10, events, ["host"]), legend: "{{host}}" }],
        },
      ],
    },
    {
      title: "Bots and threats",
      panels: [
        {
          title: "Bot events by score and detection source",
          kind: "timeseries",
          bars: true,
          targets: [
            {
              expr: counted(bots, "$__interval", ["bot_score", "detection_source"]),
              legend: "{{bot_score}} {{detection_source}}",
            },
          ],
        },
        {
          title: "Top bot countries",
          kind: "bargauge",
          width: 12,
          targets: [
            {
              expr: top(10, "cloudflare_zone_bot_requests_by_country_total", ["country"]),
              legend: "{{country}}",
            },
          ],
        },
        {
          title: "Threats by country",
          kind: "bargauge",
          width: 12,
          targets: [
            { expr: top(10, "cloudflare_zone_threats_country_total", ["country"]), legend: "{{country}}" },
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
      ],
    },
  ],
};
