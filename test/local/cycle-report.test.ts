import { describe, expect, it } from "vitest";
import { loadConfig } from "../../lambda/config/config.ts";
import type { StoredState } from "../../lambda/serve/state.ts";
import type { Shard } from "../../lambda/store/shards.ts";
import { minutesBehind } from "../../local/cycle-report.ts";

const now = Date.UTC(2026, 10, 20, 12, 0, 30);
const config = loadConfig({});
/** The newest countable minute at `now`, as collection computes it. */
const end = Math.floor((now / 1000 - config.scrapeDelaySeconds) / 60) * 60;

const shard = (group: string, cursor: number): Shard => ({
  group,
  scopeId: "z".repeat(32),
  index: 0,
  cursor,
  start: cursor - 3600,
  series: {},
  lostMinutes: 0,
  dropped: {},
  stored: true,
});

const stateWith = (shards: Shard[]): StoredState => ({
  accounts: [
    {
      account: { id: "a".repeat(32), name: "Example Corp" },
      zones: [],
      shards,
      status: {
        errors: new Map(),
        graphqlRequests: 0,
        restRequests: 0,
        rateLimitEvents: 0,
        lastRun: undefined,
      },
    },
  ],
});

describe("minutes behind, as local mode reports a catch-up", () => {
  it("ignores REST snapshots, which are taken every half hour by design", () => {
    // Minute series caught up; the certificate snapshot was taken 25 minutes ago.
    const state = stateWith([shard("http-requests-1m", end), shard("ssl-certificates", end - 25 * 60)]);
    expect(minutesBehind(state, config, now)).toEqual(new Map([["Example Corp", 0]]));
  });

  it("counts the minutes of the oldest minute series still to count", () => {
    const state = stateWith([shard("http-requests-1m", end - 7 * 60), shard("lb-weights", end - 29 * 60)]);
    expect(minutesBehind(state, config, now)).toEqual(new Map([["Example Corp", 7]]));
  });
});
