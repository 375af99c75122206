import { isSnapshotGroup } from "../catalogue/snapshots/index.ts";
import type { Config } from "../config/config.ts";
import type { StoredState } from "./state.ts";

/**
 * Whether the pipeline works, judged from what it stored: every zone's newest counted
 * minute recent enough, and the last run of every account having done something.
 */
export interface Health {
  status: "healthy" | "unhealthy";
  reasons: string[];
  accounts: {
    account: string;
    dataAgeSeconds: number | null;
    lastRunAt: string | null;
    lastRunErrors: number;
  }[];
}

export function health(state: StoredState, config: Config, nowMs: number): Health {
  const now = nowMs / 1000;
  const reasons: string[] = [];
  if (state.accounts.length === 0) reasons.push("no account has been discovered yet");
  const accounts = state.accounts.map(({ account, shards, status }) => {
    // Snapshots (certificates, LB weights) are refreshed every half hour by design: data age is
    // judged on the minute series.
    const minuteShards = shards.filter((s) => !isSnapshotGroup(s.group));
    const until = minuteShards.length > 0 ? Math.min(...minuteShards.map((s) => s.cursor)) : undefined;
    const age = until === undefined ? null : Math.round(now - until);
    const lastRun = status.lastRun;
    if (age === null) reasons.push(`${account.name}: nothing counted yet`);
    else if (age > config.healthMaxAgeSeconds)
      reasons.push(`${account.name}: newest counted minute is ${age}s old`);
    if (!lastRun) reasons.push(`${account.name}: no run has finished`);
    else if (now - lastRun.finishedAt / 1000 > config.healthMaxAgeSeconds) {
      reasons.push(`${account.name}: last run finished ${Math.round(now - lastRun.finishedAt / 1000)}s ago`);
    } else if (lastRun.errorCount > 0 && lastRun.minutesCounted === 0) {
      reasons.push(`${account.name}: the last run failed (${lastRun.errorCount} errors)`);
    }
    return {
      account: account.name,
      dataAgeSeconds: age,
      lastRunAt: lastRun ? new Date(lastRun.finishedAt).toISOString() : null,
      lastRunErrors: lastRun?.errorCount ?? 0,
    };
  });
  return { status: reasons.length === 0 ? "healthy" : "unhealthy", reasons, accounts };
}
