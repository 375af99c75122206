import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import { keys, type Store } from "./table.ts";

/**
 * An account's STATUS item: persisted run counters (`cloudflare_exporter_errors_total` by
 * label, requests made, rate-limit answers) and the last run's summary. Written by the
 * fetcher, read by the endpoint; both sides of its shape live here.
 */
export interface RunStatus {
  errors: Map<string, number>;
  graphqlRequests: number;
  restRequests: number;
  rateLimitEvents: number;
  lastRun: LastRun | undefined;
}

const lastRunSchema = once(() =>
  z.looseObject({
    finishedAt: z.number(),
    minutesCounted: z.number(),
    errorCount: z.number(),
    skipped: z.optional(z.string()),
    /** The widening k of the run: each zone chunk collected every this many minutes. */
    everyMinutes: z.optional(z.number().check(z.int(), z.positive())),
  }),
);
export type LastRun = z.output<ReturnType<typeof lastRunSchema>>;

export interface RunUsage {
  graphqlRequests: number;
  restRequests: number;
  rateLimitEvents: number;
}

/** An error counter's attribute: one per label, so each is added to atomically. */
const errorPrefix = "error:";

export function emptyRunStatus(): RunStatus {
  return { errors: new Map(), graphqlRequests: 0, restRequests: 0, rateLimitEvents: 0, lastRun: undefined };
}

/** Adds to the account's counters (they only ever go up) and keeps the last run's summary. */
export async function recordRun(
  store: Store,
  accountId: string,
  errors: ReadonlyMap<string, number>,
  summary: Record<string, unknown>,
  usage: RunUsage,
): Promise<void> {
  const names: Record<string, string> = {
    "#last": "lastRun",
    "#g": "graphqlRequests",
    "#r": "restRequests",
    "#l": "rateLimitEvents",
  };
  const values: Record<string, unknown> = {
    ":last": summary,
    ":g": usage.graphqlRequests,
    ":r": usage.restRequests,
    ":l": usage.rateLimitEvents,
  };
  const adds: string[] = ["#g :g", "#r :r", "#l :l"];
  [...errors.entries()].forEach(([label, count], i) => {
    names[`#e${i}`] = `${errorPrefix}${label}`;
    values[`:e${i}`] = count;
    adds.push(`#e${i} :e${i}`);
  });
  await store.client.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: { pk: keys.account(accountId), sk: keys.status },
      UpdateExpression: `SET #last = :last ADD ${adds.join(", ")}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

/** The STATUS item as read back; anything unreadable counts as absent, never as an error of the scrape. */
export function runStatusFromItem(item: Readonly<Record<string, unknown>>): RunStatus {
  const status = emptyRunStatus();
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(errorPrefix) && typeof value === "number")
      status.errors.set(name.slice(errorPrefix.length), value);
  }
  status.graphqlRequests = Number(item.graphqlRequests ?? 0);
  status.restRequests = Number(item.restRequests ?? 0);
  status.rateLimitEvents = Number(item.rateLimitEvents ?? 0);
  const lastRun = lastRunSchema().safeParse(item.lastRun);
  status.lastRun = lastRun.success ? lastRun.data : undefined;
  return status;
}
