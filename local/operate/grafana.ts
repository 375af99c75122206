/**
 * A small builder of Grafana dashboards (JSON model, schema 39, Grafana 10+). The data
 * source is an import input (`DS_PROMETHEUS`), chosen when the dashboard is imported; no
 * dashboard or data source UID is written. Every dashboard has the `account` and `zone`
 * variables (multi-value, "All" = `.*`).
 */
export interface Target {
  expr: string;
  legend?: string;
}

export interface Panel {
  title: string;
  kind: "timeseries" | "stat" | "bargauge" | "table";
  targets: Target[];
  unit?: string;
  description?: string;
  /** Columns of a row: 24 is the whole width. */
  width?: number;
  /** Bar charts of per-interval counts; lines for gauges. */
  bars?: boolean;
}

export interface Row {
  title: string;
  panels: Panel[];
}

export interface DashboardSpec {
  /** File name under dashboards/ without `.json`. */
  file: string;
  title: string;
  description: string;
  rows: Row[];
}

/** Grafana replaces it with the data source chosen at import. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's import placeholder, not a JS template
export const importedDatasourceUid = "${DS_PROMETHEUS}";
const datasource = { type: "prometheus", uid: importedDatasourceUid };
const heights = { timeseries: 8, stat: 4, bargauge: 8, table: 8 } as const;
const defaultWidths = { timeseries: 12, stat: 4, bargauge: 8, table: 12 } as const;

/** Grafana's nice intervals from 1m up are whole minutes: a bar is that many settled minutes. */
const minInterval = "1m";

const variable = (name: string, label: string, query: string) => ({
  name,
  label,
  type: "query",
  datasource,
  query: { query, refId: `${name}-variable` },
  definition: query,
  refresh: 2,
  multi: true,
  includeAll: true,
  allValue: ".*",
  current: { selected: true, text: ["All"], value: ["$__all"] },
  sort: 1,
});

function panelJson(panel: Panel, id: number, gridPos: { x: number; y: number; w: number; h: number }) {
  const instant = panel.kind !== "timeseries";
  return {
    id,
    type: panel.kind,
    title: panel.title,
    ...(panel.description ? { description: panel.description } : {}),
    datasource,
    gridPos,
    interval: minInterval,
    targets: panel.targets.map((target, index) => ({
      datasource,
      refId: String.fromCharCode(65 + index),
      expr: target.expr,
      legendFormat: target.legend ?? "__auto",
      range: !instant,
      instant,
      ...(panel.kind === "table" ? { format: "table" } : {}),
    })),
    fieldConfig: {
      defaults: {
        unit: panel.unit ?? "short",
        ...(panel.kind === "timeseries"
          ? {
              custom: panel.bars
                ? { drawStyle: "bars", fillOpacity: 80, stacking: { mode: "normal", group: "A" } }
                : { drawStyle: "line", fillOpacity: 10 },
            }
          : {}),
      },
      overrides: [],
    },
    options:
      panel.kind === "bargauge"
        ? { displayMode: "basic", orientation: "horizontal", reduceOptions: { calcs: ["lastNotNull"] } }
        : panel.kind === "stat"
          ? { reduceOptions: { calcs: ["lastNotNull"] }, colorMode: "none", graphMode: "none" }
          : panel.kind === "table"
            ? { showHeader: true }
            : { legend: { displayMode: "table", placement: "bottom", calcs: ["sum"] } },
    ...(panel.kind === "table"
      ? {
          transformations: [
            { id: "merge", options: {} },
            { id: "organize", options: { excludeByName: { Time: true } } },
          ],
        }
      : {}),
  };
}

/** Lays rows out top to bottom, panels left to right, wrapping at the full width. */
export function dashboardJson(spec: DashboardSpec): Record<string, unknown> {
  const panels: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({
      id: id++,
      type: "row",
      title: row.title,
      collapsed: false,
      gridPos: { x: 0, y, w: 24, h: 1 },
      panels: [],
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const panel of row.panels) {
      const w = panel.width ?? defaultWidths[panel.kind];
      const h = heights[panel.kind];
      if (x + w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panels.push(panelJson(panel, id++, { x, y, w, h }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    __inputs: [
      {
        name: "DS_PROMETHEUS",
        label: "Prometheus",
        description: "The Prometheus (or Amazon Managed Prometheus) that scrapes the exporter",
        type: "datasource",
        pluginId: "prometheus",
        pluginName: "Prometheus",
      },
    ],
    __requires: [
      { type: "grafana", id: "grafana", name: "Grafana", version: "10.0.0" },
      { type: "datasource", id: "prometheus", name: "Prometheus", version: "1.0.0" },
    ],
    title: spec.title,
    description: spec.description,
    tags: ["cloudflare", "cloudflare-exporter"],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    time: { from: "now-6h", to: "now" },
    refresh: "1m",
    timezone: "",
    templating: {
      list: [
        variable(
          "account",
          "Account",
          "label_values(cloudflare_exporter_collected_until_timestamp_seconds, account)",
        ),
        variable(
          "zone",
          "Zone",
          'label_values(cloudflare_exporter_collected_until_timestamp_seconds{account=~"$account"}, zone)',
        ),
      ],
    },
    annotations: { list: [] },
    links: [],
    panels,
  };
}

/** Every panel of a dashboard spec, for the checks. */
export const panelsOf = (spec: DashboardSpec): Panel[] => spec.rows.flatMap((row) => row.panels);
