import { describe, expect, it } from "vitest";
import { type InjectedFault, runSoak, summaryLine } from "./soak.ts";

/**
 * Part of `npm test` at a size that runs in about a minute: 24 simulated hours, a cycle
 * every 3 minutes. `npm run soak` (SOAK=long) runs 72 hours with a cycle every minute.
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
        hours: Number(process.env.SOAK_HOURS ?? (long ? 72 : 24)),
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
      // Every paid zone of the world was checked (free zones have no per-minute dataset).
      expect(result.zonesChecked).toBe(7);
    },
    long ? 3_600_000 : 600_000,
  );
});
