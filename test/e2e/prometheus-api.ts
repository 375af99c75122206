import { z } from "zod";

/**
 * The few Prometheus HTTP API answers the suite reads, parsed with zod so a surprise in
 * the JSON fails with the path that was wrong rather than as an `undefined` later.
 * Values arrive as strings ("1", "NaN"); timestamps as float seconds with millisecond
 * precision, which is also how they are passed back as `time=`.
 */
const labels = z.record(z.string(), z.string());
const sample = z.tuple([z.number(), z.string()]);

const vectorData = z.object({
  resultType: z.literal("vector"),
  result: z.array(z.object({ metric: labels, value: sample })),
});
const matrixData = z.object({
  resultType: z.literal("matrix"),
  result: z.array(z.object({ metric: labels, values: z.array(sample) })),
});
const envelope = z.discriminatedUnion("status", [
  z.object({ status: z.literal("success"), data: z.unknown() }),
  z.object({ status: z.literal("error"), errorType: z.string(), error: z.string() }),
]);

const rulesData = z.object({
  groups: z.array(
    z.object({
      name: z.string(),
      rules: z.array(
        z.object({
          name: z.string(),
          type: z.enum(["alerting", "recording"]),
          health: z.string(),
          lastError: z.string().optional(),
        }),
      ),
    }),
  ),
});
export type LoadedRule = z.output<typeof rulesData>["groups"][number]["rules"][number];

export interface Sample {
  /** Unix seconds (milliseconds precision): the scrape's start time. */
  at: number;
  value: number;
}

export interface InstantResult {
  metric: Record<string, string>;
  value: Sample;
}

export interface RangeResult {
  metric: Record<string, string>;
  samples: Sample[];
}

const toSample = ([at, value]: [number, string]): Sample => ({ at, value: Number(value) });

export class PrometheusApi {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  /** An instant query whose result is an instant vector, evaluated at `time` (default now). */
  async vector(query: string, time?: number): Promise<InstantResult[]> {
    const data = await this.query(query, time, vectorData);
    return data.result.map(({ metric, value }) => ({ metric, value: toSample(value) }));
  }

  /**
   * An instant query of a range selector (`up[5m]`): every raw sample stored in the
   * window, with its own timestamp. Unlike query_range, nothing is resampled onto steps,
   * so no scrape is skipped or seen twice.
   */
  async samples(query: string, time?: number): Promise<RangeResult[]> {
    const data = await this.query(query, time, matrixData);
    return data.result.map(({ metric, values }) => ({ metric, samples: values.map(toSample) }));
  }

  /** Every loaded rule with the health of its last evaluation. */
  async rules(): Promise<LoadedRule[]> {
    const response = await fetch(`${this.url}/api/v1/rules`, { signal: AbortSignal.timeout(30_000) });
    const parsed = envelope.parse(await response.json());
    if (parsed.status === "error") throw new Error(`Prometheus refused /api/v1/rules: ${parsed.error}`);
    return rulesData.parse(parsed.data).groups.flatMap((group) => group.rules);
  }

  async ready(): Promise<boolean> {
    const response = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
    return response.ok;
  }

  private async query<T>(query: string, time: number | undefined, data: z.ZodType<T>): Promise<T> {
    const params = new URLSearchParams({ query });
    if (time !== undefined) params.set("time", String(time));
    const response = await fetch(`${this.url}/api/v1/query`, {
      method: "POST",
      body: params,
      signal: AbortSignal.timeout(30_000),
    });
    const parsed = envelope.parse(await response.json());
    if (parsed.status === "error")
      throw new Error(`Prometheus refused ${query}: ${parsed.errorType}: ${parsed.error}`);
    return data.parse(parsed.data);
  }
}
