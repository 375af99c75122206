import { readFile } from "node:fs/promises";
import { parseSeriesKey, seriesKey } from "../../lambda/catalogue/series-key.ts";
import { parseSamples } from "../local/child.ts";

/** What the exporter serves, read the way a person with the scrape token would. */
export async function scrapeText(metricsUrl: string, tokenFile: string): Promise<string> {
  const token = (await readFile(tokenFile, "utf8")).trim();
  // No Accept header: the Prometheus text format 0.0.4, the one promtool checks.
  const response = await fetch(metricsUrl, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${metricsUrl} answered ${response.status}: ${body}`);
  return body;
}

/** The series of every family the body declares a counter, as `name{labels}` keys. */
export function counterSeries(body: string): string[] {
  const counters = new Set(
    [...body.matchAll(/^# TYPE (\S+) counter$/gm)]
      .map((match) => match[1])
      .filter((name) => name !== undefined),
  );
  return [...parseSamples(body).keys()]
    .filter((key) => counters.has(key.replace(/\{.*$/, "")))
    .map(withoutEmptyLabels);
}

/** A series as Prometheus identifies it: a label with an empty value is no label at all. */
function withoutEmptyLabels(key: string): string {
  const { name, labels } = parseSeriesKey(key);
  return seriesKey(name, Object.fromEntries(labels.filter(([, value]) => value !== "")));
}

/** A Prometheus result's labels as the exporter printed them: without `job` and `instance`. */
export function exportedKey(metric: Readonly<Record<string, string>>): string {
  const { __name__: name = "", job: _job, instance: _instance, ...labels } = metric;
  return seriesKey(name, labels);
}
