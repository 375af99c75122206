import { z } from "zod";

/**
 * A query group is one GraphQL document, the zod schema of its rows, and a declarative
 * mapping from a row to samples. Everything else (windows, batching, limits, storage,
 * exposition) is shared, so adding a metric touches one group file and its test.
 */
export type MetricType = "counter" | "gauge";

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  /** Label names besides the scope label (`zone` or `account`), in output order. */
  labels: readonly string[];
}

export interface LabeledValue {
  labels: Readonly<Record<string, string>>;
  value: number;
}

/**
 * How rows that land on the same series in the same minute combine. Counters always add
 * (the same events split over rows that differ only in dimensions we do not label).
 */
export type GaugeMerge = "max" | "sum" | "last";

export interface SeriesSpec<Row> {
  family: MetricFamily;
  /** Samples of one row; a counter sample of 0 still creates its series. */
  values: (row: Row) => readonly LabeledValue[];
  merge?: GaugeMerge;
}

export interface QueryGroup<Row> {
  /** The `query` label of self-metrics and the key of its state. */
  name: string;
  scope: "zone" | "account";
  /** The dataset whose `settings` (enabled, maxDuration, notOlderThan) bound the group's queries. */
  dataset: string;
  /**
   * The query. Zone groups take `$zoneTags`, account groups `$accountTag`; both take
   * `$from`, `$to` (half-open) and `$limit`, and alias their dataset as `rows`.
   */
  document: string;
  rowSchema: z.ZodType<Row>;
  /** The minute (Unix seconds) a row belongs to. */
  minuteOf: (row: Row) => number;
  series: readonly SeriesSpec<Row>[];
  /** Shards the group's series of one zone are spread over (each below DynamoDB's item limit). */
  shards: number;
}

/** Type-erased form for registries of groups with different row types. */
// biome-ignore lint/suspicious/noExplicitAny: rows are validated by each group's own schema
export type AnyQueryGroup = QueryGroup<any>;

export function defineQueryGroup<Row>(group: QueryGroup<Row>): QueryGroup<Row> {
  return group;
}

export function counter(name: string, help: string, labels: readonly string[] = []): MetricFamily {
  return { name, help, type: "counter", labels };
}

export function gauge(name: string, help: string, labels: readonly string[] = []): MetricFamily {
  return { name, help, type: "gauge", labels };
}

/** One unlabelled value per row. */
export function single<Row>(family: MetricFamily, value: (row: Row) => number | undefined): SeriesSpec<Row> {
  return {
    family,
    values: (row) => {
      const v = value(row);
      return v === undefined ? [] : [{ labels: {}, value: v }];
    },
  };
}

/** One value per element of a list in the row, labelled by a key of the element. Zero elements are skipped. */
export function breakdown<Row, Element>(
  family: MetricFamily,
  elements: (row: Row) => readonly Element[],
  label: (element: Element) => string,
  value: (element: Element) => number,
): SeriesSpec<Row> {
  const [labelName] = family.labels;
  if (labelName === undefined || family.labels.length !== 1) {
    throw new Error(`${family.name}: a breakdown has exactly one label`);
  }
  return {
    family,
    values: (row) =>
      elements(row)
        .map((element) => ({ labels: { [labelName]: label(element) }, value: value(element) }))
        .filter((sample) => sample.value !== 0),
  };
}

/** `Time` values as Cloudflare writes them, to Unix seconds. */
export const timeSchema = z.string().transform((value, ctx) => {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: "custom", message: `not a time: ${value}` });
    return z.NEVER;
  }
  return ms / 1000;
});
