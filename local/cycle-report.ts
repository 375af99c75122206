import { z } from "zod";
import { isSnapshotGroup } from "../lambda/catalogue/snapshots/index.ts";
import { countableEnd } from "../lambda/collect/windows.ts";
import type { Config } from "../lambda/config/config.ts";
import type { StoredState } from "../lambda/serve/state.ts";

/**
 * What local mode prints after each cycle: one line with what the state machine's
 * execution did, and, while a catch-up is under way, the minutes still to count per account.
 */
const fetched = z.object({
  accountId: z.string(),
  accountName: z.string().optional(),
  skipped: z.string().optional(),
  minutesCounted: z.number().default(0),
  seriesWritten: z.number().default(0),
  graphqlRequests: z.number().default(0),
  restRequests: z.number().default(0),
  errorCount: z.number().optional(),
  errors: z.array(z.object({ message: z.string().optional() }).loose()).default([]),
});
const failed = z
  .object({ accountId: z.string(), failed: z.literal(true), error: z.string().optional() })
  .loose();
const itemSchema = z.union([failed, fetched]);

export interface CycleReport {
  accounts: number;
  minutesCounted: number;
  seriesWritten: number;
  apiCalls: number;
  errors: number;
  failedAccounts: string[];
  skipped: string[];
}

/** The Map state's results, wherever the definition puts them in the execution's output. */
function items(output: unknown): unknown[] {
  if (Array.isArray(output)) return output;
  if (output && typeof output === "object") {
    for (const value of Object.values(output)) if (Array.isArray(value)) return value;
  }
  return [];
}

export function reportCycle(output: unknown): CycleReport {
  const report: CycleReport = {
    accounts: 0,
    minutesCounted: 0,
    seriesWritten: 0,
    apiCalls: 0,
    errors: 0,
    failedAccounts: [],
    skipped: [],
  };
  for (const item of items(output)) {
    const parsed = itemSchema.safeParse(item);
    if (!parsed.success) continue;
    report.accounts += 1;
    if ("failed" in parsed.data) {
      report.failedAccounts.push(parsed.data.accountId);
      report.errors += 1;
      continue;
    }
    const summary = parsed.data;
    report.minutesCounted += summary.minutesCounted;
    report.seriesWritten += summary.seriesWritten;
    report.apiCalls += summary.graphqlRequests + summary.restRequests;
    report.errors += summary.errorCount ?? summary.errors.length;
    if (summary.skipped)
      report.skipped.push(`${summary.accountName ?? summary.accountId}: ${summary.skipped}`);
  }
  return report;
}

export function formatCycle(report: CycleReport, scheduled: Date, durationMs: number): string {
  const parts = [
    `cycle ${scheduled.toISOString().slice(11, 19)}Z`,
    `${report.accounts} account${report.accounts === 1 ? "" : "s"}`,
    `${report.minutesCounted} zone-minutes counted`,
    `${report.seriesWritten} series written`,
    `${report.apiCalls} API calls`,
    `${report.errors} error${report.errors === 1 ? "" : "s"}`,
    `${(durationMs / 1000).toFixed(1)} s`,
  ];
  const notes = [
    ...report.failedAccounts.map((id) => `account ${id} failed`),
    ...report.skipped.map((reason) => `skipped ${reason}`),
  ];
  return `${parts.join(", ")}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
}

/**
 * Minutes each account still has to count before it is up to date (0 when caught up),
 * judged on minute series only, as /health does: a REST snapshot up to half an hour old
 * is on time, not behind.
 */
export function minutesBehind(state: StoredState, config: Config, nowMs: number): Map<string, number> {
  const end = countableEnd(nowMs / 1000, config.scrapeDelaySeconds, config.timeWindowSeconds);
  const behind = new Map<string, number>();
  for (const { account, shards: all } of state.accounts) {
    const shards = all.filter((shard) => !isSnapshotGroup(shard.group));
    const oldest = Math.min(...shards.map((shard) => shard.cursor));
    behind.set(account.name, shards.length === 0 ? 0 : Math.max(0, (end - oldest) / 60));
  }
  return behind;
}
