import type { Shard } from "../../lambda/store/shards.ts";

/** A slice never written: empty, its cursor at its start (minute 1), as a first run plans it. */
export function blankShard(scopeId: string, group = "requests", index = 0): Shard {
  return {
    group,
    scopeId,
    index,
    cursor: 60,
    start: 60,
    series: {},
    lostMinutes: 0,
    dropped: {},
    stored: false,
  };
}
