/**
 * `npm run docs`: rewrites the generated sections of README.md (settings and metrics)
 * from the code, between `<!-- name:begin -->` and `<!-- name:end -->` markers, and
 * docs/metrics.md whole, the Grafana dashboards under dashboards/ and the alert table of
 * docs/operate.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { configTable } from "./docs/config-table.ts";
import { metricsPage, metricTable } from "./docs/metric-docs.ts";
import { alertTable, dashboardFiles } from "./operate/build.ts";

const pattern = (name: string) => new RegExp(`(<!-- ${name}:begin -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);

export function readmeSection(readme: string, name: string): string {
  const match = pattern(name).exec(readme);
  if (!match) throw new Error(`README.md has no ${name} section`);
  return match[0].slice(match[1]?.length ?? 0, match[0].length - (match[2]?.length ?? 0)).replace(/\n$/, "");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = new URL("../README.md", import.meta.url);
  let readme = readFileSync(path, "utf8");
  for (const [name, table] of [
    ["config", configTable()],
    ["metrics", metricTable()],
  ] as const) {
    readme = readme.replace(pattern(name), (_, begin: string, end: string) => `${begin}${table}\n${end}`);
  }
  writeFileSync(path, readme);
  writeFileSync(new URL("../docs/metrics.md", import.meta.url), metricsPage());
  for (const [file, json] of dashboardFiles())
    writeFileSync(new URL(`../dashboards/${file}`, import.meta.url), json);
  const operate = new URL("../docs/operate.md", import.meta.url);
  writeFileSync(
    operate,
    readFileSync(operate, "utf8").replace(
      pattern("alerts"),
      (_, begin: string, end: string) => `${begin}${alertTable()}\n${end}`,
    ),
  );
}
