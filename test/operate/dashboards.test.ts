import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dashboardFiles } from "../../local/operate/build.ts";
import { dashboards } from "../../local/operate/dashboards/index.ts";
import { importedDatasourceUid, panelsOf } from "../../local/operate/grafana.ts";
import { promqlRefs } from "../../local/operate/promql-refs.ts";
import { refProblems } from "./check-refs.ts";

const dir = new URL("../../dashboards/", import.meta.url);

describe("Grafana dashboards (regenerate with npm run docs)", () => {
  it("dashboards/ holds exactly the generated files", () => {
    const files = dashboardFiles();
    expect(readdirSync(dir).sort()).toEqual([...files.keys()].sort());
    for (const [file, json] of files) expect(readFileSync(new URL(file, dir), "utf8"), file).toBe(json);
  });

  it("docs/operate.md lists every dashboard file, and no other", () => {
    const page = readFileSync(new URL("../../docs/operate.md", import.meta.url), "utf8");
    const listed = [...page.matchAll(/^\| `([a-z-]+\.json)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual([...dashboardFiles().keys()]);
  });

  it("every panel names families the exporter serves and labels those families have", () => {
    const problems = dashboards.flatMap((spec) =>
      panelsOf(spec).flatMap((panel) =>
        panel.targets.flatMap((t) => refProblems(t.expr).map((p) => `${spec.file} / ${panel.title}: ${p}`)),
      ),
    );
    expect(problems).toEqual([]);
  });

  it("the check catches a family that does not exist and a label a family lacks", () => {
    expect(refProblems('sum by (colo) (cloudflare_zone_requests_total{zone=~"$zone"})')).toEqual([
      "no series of the expression has the label colo",
    ]);
    expect(refProblems('cloudflare_zone_request_total{zone="a"}')).toEqual([
      "cloudflare_zone_request_total is not a family the exporter serves",
    ]);
    expect(refProblems('cloudflare_worker_requests_total{zone="a"}')).toEqual([
      "cloudflare_worker_requests_total has no label zone",
    ]);
    expect(promqlRefs("x - (x offset 5m or x * 0)").selectors.map((s) => s.metric)).toEqual(["x", "x", "x"]);
  });

  it("every panel queries the data source chosen at import, and no UID is hard-coded", () => {
    for (const json of dashboardFiles().values()) {
      const dashboard = JSON.parse(json) as Record<string, unknown>;
      expect(dashboard.uid).toBeUndefined();
      expect(dashboard.__inputs).toEqual([
        expect.objectContaining({ name: "DS_PROMETHEUS", pluginId: "prometheus" }),
      ]);
      const uids = [...json.matchAll(/"uid": "([^"]*)"/g)].map((m) => m[1]);
      expect(new Set(uids)).toEqual(new Set([importedDatasourceUid]));
    }
  });

  it("every dashboard filters by account and zone, and every panel has a query", () => {
    for (const spec of dashboards) {
      const dashboard = JSON.parse(dashboardFiles().get(`${spec.file}.json`) ?? "{}") as {
        templating: { list: { name: string }[] };
      };
      expect(dashboard.templating.list.map((v) => v.name)).toEqual(["account", "zone"]);
      for (const panel of panelsOf(spec)) {
        expect(panel.targets.length, panel.title).toBeGreaterThanOrEqual(1);
        const filtered = panel.targets.every((t) => /\$zone|\$account/.test(t.expr) || !/\{/.test(t.expr));
        expect(filtered, `${spec.file} / ${panel.title} ignores the variables`).toBe(true);
      }
    }
  });
});
