import type { AnyQueryGroup } from "../../lambda/catalogue/query-group.ts";
import type { FetchSummary } from "../../lambda/collect/fetch-account.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import type { WorldSpec } from "../../local/simulator/world.ts";
import { type Harness, startHarness } from "./harness.ts";

/**
 * The frame of every query group's test: the group alone against the simulator, counting
 * exactly one known minute, so expected values come straight from the simulator's ground
 * truth for that minute (never from the group's own mapping).
 */
export interface OneMinute {
  harness: Harness;
  /** The minute counted: [from, from + 60). */
  from: number;
  to: number;
  summaries: FetchSummary[];
  /** Every stored series of the account: key → value (counters and gauges). */
  series(accountId: string): Promise<Map<string, number>>;
}

export async function countOneMinute(
  group: AnyQueryGroup,
  options: { world?: WorldSpec; env?: Record<string, string> } = {},
): Promise<OneMinute> {
  return countMinutes(group, 1, options);
}

/**
 * The same for the `minutes` minutes that settled last ([from, to)), for datasets whose
 * events are too sparse for one minute. `before` may change the world first (the
 * simulator reads it live).
 */
export async function countMinutes(
  group: AnyQueryGroup,
  minutes: number,
  options: { world?: WorldSpec; env?: Record<string, string>; before?: (harness: Harness) => void } = {},
): Promise<OneMinute> {
  const harness = await startHarness({
    ...(options.world ? { world: options.world } : {}),
    // The first run counts from this far back: exactly the minutes that settled last.
    env: { INITIAL_LOOKBACK_SECONDS: String(minutes * 60), ...options.env },
  });
  options.before?.(harness);
  const summaries = await harness.runAll({ groups: [group] });
  const now = harness.clock.now() / 1000;
  const to = Math.floor((now - 300) / 60) * 60;
  return {
    harness,
    from: to - minutes * 60,
    to,
    summaries,
    series: async (accountId) => {
      const out = new Map<string, number>();
      for (const shard of await readAccountShards(harness.store, accountId)) {
        for (const [key, state] of Object.entries(shard.series)) out.set(key, state.v);
      }
      return out;
    },
  };
}
