import { once } from "../lib/once.ts";
import type * as z from "../lib/zod.ts";
import { selectionOf } from "./row-schemas.ts";

export { countSchema, minuteRowSchema, selectionOf, timeSchema } from "./row-schemas.ts";

/**
 * A query group is one dataset node of Cloudflare's GraphQL API: what it selects, the zod
 * schema of its rows, and a declarative mapping from a row to samples. Everything else
 * (windows, batching into one request per chunk, limits, storage, exposition) is shared,
 * so adding a metric touches one group file and its test.
 *
 * A group selects the dimensions it labels and nothing more, so Cloudflare's rows are
 * already one per label set and minute; rows that still land on the same series (label
 * options such as EXCLUDE_HOST, status grouping, two rules with one name) are merged
 * before anything is counted.
 */
export type MetricType = "counter" | "gauge";

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  /** Label names besides the scope label (`zone` or `account`), in output order. */
  labels: readonly string[];
  /** The unit of the value, for the docs (`requests`, `bytes`, `seconds`, …). */
  unit: string;
  /**
   * Exposed as a summary (a gauge stored per `quantile`): Prometheus reserves the `quantile`
   * label for summaries, and a Cloudflare quantile of the last minute is one.
   */
  summary?: boolean;
}

export interface LabeledValue {
  labels: Readonly<Record<string, string>>;
  value: number;
  /** Weight of a gauge value in a `mean` merge (e.g. the row's event count). */
  weight?: number;
}

/**
 * How gauge values that land on the same series in the same minute combine. Counters always
 * add (the same events split over rows that differ only in dimensions we do not label).
 */
export type GaugeMerge = "max" | "min" | "sum" | "mean";

/** What a mapping may ask of the exporter's settings and lookups. */
export interface MappingContext {
  /** An HTTP status code as a label: the code, or its class (`5xx`) when CF_HTTP_STATUS_GROUP is set. */
  status(code: number): string;
  /** A firewall rule's readable name, or its ID when no name is known. */
  ruleName(ruleId: string): string;
}

export interface SeriesSpec<Row> {
  family: MetricFamily;
  /** Samples of one row; a counter sample of 0 still creates its series. */
  values: (row: Row, context: MappingContext) => readonly LabeledValue[];
  /** Gauges only: how values on one series and minute combine (default `max`). */
  merge?: GaugeMerge;
}

export interface QueryGroup<Row> {
  /** The `query` label of self-metrics and the key of its state. */
  name: string;
  scope: "zone" | "account";
  /** The dataset node; its `settings` (enabled, maxDuration, notOlderThan) bound the group's queries. */
  dataset: string;
  /** Adaptive datasets are sampled estimates (Cloudflare's own figures, not ours). */
  sampled: boolean;
  /** The time dimension rows are bucketed by (a whole minute). */
  timeDimension: "datetime" | "datetimeMinute";
  /** Conditions besides the time range, in GraphQL input syntax, e.g. `cacheStatus: "miss"`. */
  filter?: string;
  /** The selection inside the dataset node, including `dimensions { <timeDimension> … }`. */
  selection: string;
  rowSchema: z.ZodMiniType<Row>;
  /** The minute (Unix seconds) a row belongs to. */
  minuteOf: (row: Row) => number;
  series: readonly SeriesSpec<Row>[];
  /** Shards the group's series of one zone are spread over (each below DynamoDB's item limit). */
  shards: number;
  /** The mapping calls `ruleName`: the zone's firewall rule names are loaded first. */
  usesRuleNames?: boolean;
  /**
   * Another dataset whose families this group fills in where that dataset is not enabled
   * (from the zone's `settings`): the group runs only for zones without it, so no zone
   * counts one family from two sources.
   */
  standsInFor?: string;
  /**
   * A dataset that must also be enabled for a zone (from its `settings`): a proxy for fields
   * Cloudflare refuses to some plans (Free zones may not select `edgeResponseContentTypeName`,
   * and have no `httpRequests1mGroups`), so the group never sends a query it knows is refused.
   */
  onlyWith?: string;
  /**
   * The only plans whose zones Cloudflare answers this group's fields for (bot score fields
   * need Bot Management, an Enterprise add-on): zones on other plans are never asked. Each
   * would otherwise cost one refused request per zone and UNAVAILABLE_RETRY_SECONDS, a
   * tenth of the token's budget at a thousand zones. An eligible zone without the
   * entitlement is still refused once and left alone.
   */
  plans?: readonly string[];
  /**
   * A filter taken from the settings (HOST_METRICS_ALLOWLIST) when the run starts, or
   * undefined when the settings leave nothing to query: the group then does not run.
   */
  filterFromSettings?: (settings: GroupSettings) => string | undefined;
  /**
   * How rows are ordered within each time bucket (a GraphQL `orderBy` entry such as
   * `count_DESC`), so that a family at its series cap keeps the largest label sets it meets.
   */
  rowOrder?: string;
  /** Most series each family of the group holds per zone (or account), below MAX_SERIES_PER_FAMILY. */
  seriesCap?: number;
}

/** The settings a group's filter may be built from. */
export interface GroupSettings {
  /** Hosts (lower-case) whose requests the per-hostname groups count. */
  hostMetricsAllowlist: readonly string[];
  excludeHost: boolean;
}

/** Type-erased form for registries of groups with different row types. */
// biome-ignore lint/suspicious/noExplicitAny: rows are validated by each group's own schema
export type AnyQueryGroup = QueryGroup<any>;

export function defineQueryGroup<Row>(group: QueryGroup<Row>): QueryGroup<Row> {
  return group;
}

export function counter(
  name: string,
  help: string,
  labels: readonly string[] = [],
  unit = "requests",
): MetricFamily {
  return { name, help, type: "counter", labels, unit };
}

export function gauge(name: string, help: string, labels: readonly string[] = [], unit = "1"): MetricFamily {
  return { name, help, type: "gauge", labels, unit };
}

/** Quantiles Cloudflare computed over the last counted minute: stored like gauges, exposed as a summary. */
export function quantileSummary(
  name: string,
  help: string,
  labels: readonly string[],
  unit: string,
): MetricFamily {
  if (!labels.includes("quantile")) throw new Error(`${name}: a summary has a quantile label`);
  return { name, help, type: "gauge", labels, unit, summary: true };
}

/** The type the endpoint declares for a family. */
export function exposedType(family: MetricFamily): "counter" | "gauge" | "summary" {
  return family.summary ? "summary" : family.type;
}

/** One value per row, labelled from the row; rows whose value is undefined give none. */
export function each<Row>(
  family: MetricFamily,
  value: (row: Row) => number | undefined,
  labels: (row: Row, context: MappingContext) => Readonly<Record<string, string>> = () => ({}),
  options: { merge?: GaugeMerge; weight?: (row: Row) => number; skipZero?: boolean } = {},
): SeriesSpec<Row> {
  return {
    family,
    ...(options.merge ? { merge: options.merge } : {}),
    values: (row, context) => {
      const v = value(row);
      if (v === undefined || (options.skipZero && v === 0)) return [];
      const weight = options.weight?.(row);
      return [{ labels: labels(row, context), value: v, ...(weight === undefined ? {} : { weight }) }];
    },
  };
}

/** One unlabelled value per row. */
export function single<Row>(family: MetricFamily, value: (row: Row) => number | undefined): SeriesSpec<Row> {
  return each(family, value);
}

/** One value per element of a list in the row, labelled by a key of the element. Zero elements are skipped. */
export function breakdown<Row, Element>(
  family: MetricFamily,
  elements: (row: Row) => readonly Element[],
  label: (element: Element, context: MappingContext) => string,
  value: (element: Element) => number,
): SeriesSpec<Row> {
  const [labelName] = family.labels;
  if (labelName === undefined || family.labels.length !== 1) {
    throw new Error(`${family.name}: a breakdown has exactly one label`);
  }
  return {
    family,
    values: (row, context) =>
      elements(row)
        .map((element) => ({ labels: { [labelName]: label(element, context) }, value: value(element) }))
        .filter((sample) => sample.value !== 0),
  };
}

/** `503` → `5xx` (codes below 200, and 0, are `1xx`, as the reference groups them). */
export function statusClass(code: number): string {
  if (!Number.isFinite(code) || code < 200) return "1xx";
  return `${Math.min(5, Math.floor(code / 100))}xx`;
}

/** The reference's `account` label: the account name lower-cased, spaces as `-`. */
export function accountLabel(name: string): string {
  return name.toLowerCase().replace(/\s+/g, "-");
}

/**
 * A group as its file declares it: the row schema as the function that builds it, and the
 * selection written out or (by default) derived from the row schema.
 */
export type GroupDeclaration<Row> = Omit<QueryGroup<Row>, "rowSchema" | "selection"> & {
  rowSchema: () => z.ZodMiniType<Row>;
  selection?: string;
};

/**
 * A group whose row schema, and the selection derived from it, are built when first read.
 * Only a fetcher that queries the group parses its rows; the endpoint and discovery read a
 * group's name, dataset and families, never its rows. Built at import, every group's row
 * schema (zod objects at some 15 µs each) was a fifth of each bundle's import time.
 */
export function lazyRows<Row>(group: GroupDeclaration<Row>): QueryGroup<Row> {
  const { rowSchema: build, selection: written, ...rest } = group;
  const rows = once(build);
  let selection = written;
  return {
    ...rest,
    get rowSchema() {
      return rows();
    },
    get selection() {
      selection ??= selectionOf(rows());
      return selection;
    },
  };
}

/**
 * The preset for Cloudflare's adaptive, per-minute datasets (every group but the
 * hourly-exact `httpRequests1mGroups`): sampled, bucketed by `datetimeMinute`, and the
 * GraphQL selection derived from the row schema.
 */
export function adaptiveGroup<Row extends { dimensions: { datetimeMinute: number } }>(
  group: Omit<GroupDeclaration<Row>, "sampled" | "timeDimension" | "minuteOf" | "selection">,
): QueryGroup<Row> {
  return lazyRows({
    ...group,
    sampled: true,
    timeDimension: "datetimeMinute",
    minuteOf: (row) => row.dimensions.datetimeMinute,
  });
}
