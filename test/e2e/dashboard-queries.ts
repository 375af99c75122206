import { dashboards } from "../../local/operate/dashboards/index.ts";
import { panelsOf } from "../../local/operate/grafana.ts";
import { withGrafanaVariables } from "../../local/operate/promql-refs.ts";
import type { PrometheusApi } from "./prometheus-api.ts";

/** A panel by the name a reader finds it under: dashboard file / panel title. */
export interface PanelOutcome {
  panel: string;
  /** Series each target returned. */
  series: number[];
}

/**
 * Every query of every dashboard panel, as Grafana would send it with "All" selected, run
 * against the real Prometheus at `at`: `$__range` is the window since Prometheus started,
 * `$__interval` one minute. A query Prometheus refuses throws (with the query).
 */
export async function runPanelQueries(
  api: PrometheusApi,
  at: number,
  range: string,
): Promise<PanelOutcome[]> {
  const outcomes: PanelOutcome[] = [];
  for (const spec of dashboards)
    for (const panel of panelsOf(spec)) {
      const series: number[] = [];
      for (const target of panel.targets)
        series.push((await api.vector(withGrafanaVariables(target.expr, range, "1m"), at)).length);
      outcomes.push({ panel: `${spec.file} / ${panel.title}`, series });
    }
  return outcomes;
}
