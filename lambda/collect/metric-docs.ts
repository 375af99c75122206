import { queryGroups } from "./groups/index.ts";

/** The README's metric table, from the query groups themselves (a test keeps the two equal). */
export function metricTable(): string {
  const rows = queryGroups.flatMap((group) =>
    group.series.map(
      (spec) =>
        `| \`${spec.family.name}\` | ${spec.family.type} | ${[group.scope, ...spec.family.labels].join(", ")} | ${spec.family.help} | ${group.name} |`,
    ),
  );
  return ["| Metric | Type | Labels | Meaning | Query group |", "|---|---|---|---|---|", ...rows].join("\n");
}
