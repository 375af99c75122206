import { exportedFamilies } from "../../local/operate/catalogue.ts";
import { promqlRefs, withGrafanaVariables } from "../../local/operate/promql-refs.ts";

/** Labels every scraped series may carry besides its family's: the target's. */
const targetLabels = ["job", "instance"];

/**
 * What is wrong with an expression's names: a family the exporter does not serve, a
 * matcher on a label the family lacks, a grouping label no referenced series has.
 * `recorded` are series our recording rules produce, with their labels.
 */
export function refProblems(
  expr: string,
  recorded: ReadonlyMap<string, readonly string[]> = new Map(),
): string[] {
  const refs = promqlRefs(withGrafanaVariables(expr, "1h"));
  const problems: string[] = [];
  const available = new Set([...targetLabels, ...refs.createdLabels]);
  for (const { metric, labels } of refs.selectors) {
    const known = exportedFamilies.get(metric)?.labels ?? recorded.get(metric);
    if (!known) {
      problems.push(`${metric} is not a family the exporter serves`);
      continue;
    }
    for (const label of known) available.add(label);
    for (const label of labels)
      if (!known.includes(label) && !targetLabels.includes(label))
        problems.push(`${metric} has no label ${label}`);
  }
  for (const label of refs.groupingLabels)
    if (!available.has(label)) problems.push(`no series of the expression has the label ${label}`);
  return problems;
}
