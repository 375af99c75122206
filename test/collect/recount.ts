import { z } from "zod";
import { queryGroups } from "../../lambda/catalogue/groups/index.ts";
import { type AnyQueryGroup, accountLabel } from "../../lambda/catalogue/query-group.ts";
import { CloudflareGraphqlClient } from "../../lambda/cloudflare/graphql-client.ts";
import { RateLimiter } from "../../lambda/cloudflare/rate-limiter.ts";
import { type LabelPolicy, samplesByMinute } from "../../lambda/collect/accumulate.ts";
import { fetchParts } from "../../lambda/collect/fetch-parts.ts";
import { readDocument } from "../../lambda/store/items.ts";
import { readAccountShards, type SeriesState } from "../../lambda/store/shards.ts";
import { keys, type Store } from "../../lambda/store/table.ts";
import type { Simulator } from "../../local/simulator/server.ts";

/**
 * An independent recount: every stored minute series of every query group, compared with
 * what one request per hour over the whole counted range returns once all of it has
 * settled. The fetcher got its figures minute by minute, through retries, crashes, races
 * and outages; the recount gets them in one go. Counters must be equal to the unit, gauges
 * must hold the value of their last minute with data, and no series may be missing or extra.
 * (Each group's mapping is checked against ground truth by its own test.)
 */
export interface RecountResult {
  /** group name → series compared */
  checked: Map<string, number>;
  mismatches: string[];
}

export async function recount(
  simulator: Simulator,
  store: Store,
  policy: Omit<LabelPolicy, "ruleNames"> = { excludeHost: false, httpStatusGroup: false },
  groups: readonly AnyQueryGroup[] = queryGroups,
): Promise<RecountResult> {
  const graphql = settledClient(simulator);
  const checked = new Map<string, number>();
  const mismatches: string[] = [];
  for (const account of simulator.world.accounts) {
    const shards = await readAccountShards(store, account.id);
    for (const group of groups) {
      const byScope = Map.groupBy(
        shards.filter((s) => s.group === group.name),
        (s) => s.scopeId,
      );
      for (const [scopeId, scopeShards] of byScope) {
        const zone = simulator.world.zones.find((z) => z.id === scopeId);
        const label =
          group.scope === "zone"
            ? { name: "zone" as const, value: zone?.name ?? scopeId }
            : { name: "account" as const, value: accountLabel(account.name) };
        const where = `${group.name} ${label.value}`;
        const cursors = new Set(scopeShards.map((s) => s.cursor));
        const start = Math.min(...scopeShards.map((s) => s.start));
        const cursor = Math.min(...cursors);
        if (cursors.size > 1) mismatches.push(`${where}: shards stopped at different minutes`);
        if (scopeShards.some((s) => s.lostMinutes > 0)) mismatches.push(`${where}: minutes were lost`);
        const ruleNames = group.usesRuleNames
          ? ((
              await readDocument(
                store,
                keys.account(account.id),
                keys.ruleNames(scopeId),
                z.record(z.string(), z.string()),
              )
            )?.value ?? {})
          : {};
        const rows = await rowsOf(graphql, group, scopeId, start, cursor);
        const expected = expectedSeries(group, rows, label, { ...policy, ruleNames }, start, cursor);
        const stored = new Map<string, SeriesState>();
        for (const shard of scopeShards)
          for (const [key, state] of Object.entries(shard.series)) stored.set(key, state);
        for (const key of new Set([...expected.keys(), ...stored.keys()])) {
          const want = expected.get(key);
          const have = stored.get(key);
          checked.set(group.name, (checked.get(group.name) ?? 0) + 1);
          if (!want || !have) {
            mismatches.push(`${key}: ${want ? "missing" : "not in the recount"} (${where})`);
          } else if (have.t === "g" ? !close(have.v, want.v) || have.b !== want.b : have.v !== want.v) {
            mismatches.push(
              `${key}: stored ${have.v} (minute ${have.b}), recount ${want.v} (minute ${want.b})`,
            );
          }
        }
      }
    }
  }
  return { checked, mismatches };
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function expectedSeries(
  group: AnyQueryGroup,
  rows: readonly unknown[],
  label: { name: "zone" | "account"; value: string },
  policy: LabelPolicy,
  start: number,
  cursor: number,
): Map<string, { v: number; b: number }> {
  const out = new Map<string, { v: number; b: number }>();
  const samples = samplesByMinute(group, rows, label, policy);
  for (const minute of [...samples.keys()].sort((a, b) => a - b)) {
    if (minute < start || minute >= cursor) continue;
    for (const [key, sample] of samples.get(minute) ?? []) {
      const previous = out.get(key);
      out.set(key, {
        v: sample.type === "gauge" ? sample.value : (previous?.v ?? 0) + sample.value,
        b: minute,
      });
    }
  }
  return out;
}

/** Every row of [from, to), an hour per request (fetchParts splits an hour that reaches the limit). */
async function rowsOf(
  graphql: CloudflareGraphqlClient,
  group: AnyQueryGroup,
  scopeId: string,
  from: number,
  to: number,
): Promise<unknown[]> {
  const rows: unknown[] = [];
  for (let t = from; t < to; t += 3_600) {
    const [outcome] = await fetchParts(graphql, [
      { group, scopeIds: [scopeId], from: t, to: Math.min(to, t + 3_600), limit: 10_000 },
    ]);
    const answer = outcome?.get(scopeId);
    if (!Array.isArray(answer)) throw answer ?? new Error(`${group.name}: no answer for ${scopeId}`);
    rows.push(...answer.filter((row) => group.minuteOf(row) >= t && group.minuteOf(row) < t + 3_600));
  }
  return rows;
}

/** A client whose requests the simulator answers in-process with every minute settled (no budget, no faults). */
function settledClient(simulator: Simulator): CloudflareGraphqlClient {
  const inProcess: typeof fetch = async (_input, init) => {
    const body = typeof init?.body === "string" ? init.body : "";
    const { variables } = JSON.parse(body) as { variables?: Record<string, unknown> };
    // Asked as if an hour after the range, so Cloudflare's lookback never refuses it.
    const to = Object.entries(variables ?? {}).find(([name]) => name.endsWith("To"))?.[1];
    const nowSeconds = typeof to === "string" ? Date.parse(to) / 1000 + 3_600 : undefined;
    const response = simulator.settledGraphql(body, nowSeconds === undefined ? {} : { nowSeconds });
    return new Response(JSON.stringify(response.body), {
      status: response.status,
      headers: { "content-type": "application/json" },
    });
  };
  return new CloudflareGraphqlClient({
    baseUrl: simulator.baseUrl,
    token: "sim-token",
    timeoutMs: 60_000,
    retry: { maxAttempts: 1, baseDelayMs: 0, sleep: async () => {}, random: () => 0 },
    maxLimiterWaitMs: 0,
    fetch: inProcess,
    limiter: new RateLimiter({
      limit: Number.MAX_SAFE_INTEGER,
      windowSeconds: 300,
      clock: () => 0,
      sleep: async () => {},
    }),
  });
}
