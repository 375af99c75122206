import { describe, expect, it } from "vitest";
import { queryGroups } from "../../lambda/catalogue/groups/index.ts";
import { type InjectedFault, runSoak, summaryLine } from "./soak.ts";

/**
 * Part of `npm test` at a size that runs in about two minutes: 8 simulated hours of every
 * query group, a cycle every 3 minutes. `npm run soak` (SOAK=long) runs 72 hours with a cycle every minute.
 */
const long = process.env.SOAK === "long";
const everyFault: InjectedFault[] = [
  "budget",
  "dataNullWithErrors",
  "duplicateRun",
  "htmlError",
  "killedBetweenWrites",
  "outage2h",
  "overlappingExecutions",
  "serverError",
  "slowPastTimeout",
  "staleWriter",
  "timeout",
  "truncatedJson",
  "unavailable",
  "zoneAdded",
  "zoneRemoved",
];

describe("the fault soak", () => {
  it(
    "keeps every counter monotonic and, at the end, exactly equal to the settled ground truth",
    async () => {
      const result = await runSoak({
        hours: Number(process.env.SOAK_HOURS ?? (long ? 72 : 8)),
        cycleMinutes: long ? 1 : 3,
        seed: process.env.SOAK_SEED ?? "soak-1",
        faultRate: Number(process.env.SOAK_FAULT_RATE ?? 0.25),
      });
      console.log(summaryLine(result));
      if (process.env.SOAK_DEBUG)
        console.log(JSON.stringify({ gaps: result.gaps, decreases: result.decreases }, null, 1));
      expect(Object.keys(result.faults).sort()).toEqual(everyFault);
      expect(result.decreases).toEqual([]);
      expect(result.gaps).toEqual([]);
      expect(result.mismatches).toEqual([]);
      // Only the Agency asked for account-based rate limiting, and always with its zones nested in the account.
      expect(Object.keys(result.accountBased)).toEqual(["account:Agency"]);
      // Every paid zone of the world was checked (free zones have no per-minute roll-up).
      expect(result.zonesChecked).toBe(7);
      // Every query group was recounted, with series to compare.
      expect(Object.keys(result.recounted).sort()).toEqual(queryGroups.map((group) => group.name).sort());
      for (const [group, series] of Object.entries(result.recounted))
        expect(series, group).toBeGreaterThan(0);
    },
    // A ceiling, not a timing assertion: the catalogue has twice the groups it had, each a shard per cycle.
    long ? 3_600_000 : 1_500_000,
  );
});
