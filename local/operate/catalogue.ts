/**
 * The one door from the operator's kit (dashboards, alert rules, their tests) into the
 * metric catalogue: every family the exporter serves, with its exposed type and every
 * label it carries. Everything under local/operate/ and its tests imports the catalogue
 * from here only, so a move of the catalogue's modules is a change to this file alone.
 */
import { queryGroups } from "../../lambda/catalogue/groups/index.ts";
import { exposedType, type MetricFamily } from "../../lambda/catalogue/query-group.ts";
import { selfMetricFamilies } from "../../lambda/catalogue/self-metrics.ts";
import { snapshotGroups } from "../../lambda/catalogue/snapshots/index.ts";

export interface ExportedFamily {
  name: string;
  type: "counter" | "gauge" | "summary";
  /** Every label name of its series: the scope label first, then the family's, then `quantile` for a summary. */
  labels: readonly string[];
  /** The query group or snapshot group that collects it, or `self` for the exporter's own metrics. */
  source: string;
}

const exported = (family: MetricFamily, scope: string[], source: string): ExportedFamily => ({
  name: family.name,
  type: exposedType(family),
  labels: [...scope, ...family.labels, ...(family.summary ? ["quantile"] : [])],
  source,
});

function catalogue(): ReadonlyMap<string, ExportedFamily> {
  const families = new Map<string, ExportedFamily>();
  const add = (family: ExportedFamily) => {
    if (!families.has(family.name)) families.set(family.name, family);
  };
  for (const group of queryGroups)
    for (const spec of group.series) add(exported(spec.family, [group.scope], group.name));
  for (const group of snapshotGroups)
    for (const family of group.families) add(exported(family, [group.scope], group.name));
  for (const family of selfMetricFamilies) add(exported(family, [], "self"));
  return families;
}

/** Every exported family by name. */
export const exportedFamilies: ReadonlyMap<string, ExportedFamily> = catalogue();

/** The family of that name; throws on a name the exporter does not serve. */
export function family(name: string): ExportedFamily {
  const found = exportedFamilies.get(name);
  if (!found) throw new Error(`${name} is not a family the exporter serves`);
  return found;
}
