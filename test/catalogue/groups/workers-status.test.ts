import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workersStatus } from "../../../lambda/catalogue/groups/workers-status.ts";
import { accountLabel } from "../../../lambda/catalogue/query-group.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";

const family = "cloudflare_worker_requests_by_status_total";

describe("workers-status", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(workersStatus);
  });
  afterAll(() => run.harness.close());

  it("counts every script's invocations by status exactly, in both accounts", async () => {
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
    const { simulator } = run.harness;
    for (const account of simulator.world.accounts) {
      const want = new Map<string, number>();
      for (const script of account.workerScripts) {
        const byStatus = simulator.groundTruthBy({
          dataset: "workersInvocationsAdaptive",
          accountTag: account.id,
          field: "sum.requests",
          where: { scriptName: script },
          by: "status",
          from: run.from,
          to: run.to,
        });
        for (const [status, requests] of byStatus) {
          if (requests === 0) continue;
          const labels = { account: accountLabel(account.name), script_name: script, status };
          want.set(seriesKey(family, labels), requests);
        }
      }
      expect(want.size).toBeGreaterThan(account.workerScripts.length - 1);
      expect(await run.series(account.id)).toEqual(want);
    }
  });

  it("adds two rows of one script, status and minute (a duplicate row) into one series", () => {
    const row = (requests: number) => ({
      dimensions: { datetimeMinute: 600, scriptName: "api", status: "success" },
      sum: { requests },
    });
    const samples = samplesByMinute(workersStatus, [row(5), row(7)], { name: "account", value: "a" });
    expect(
      samples.get(600)?.get(seriesKey(family, { account: "a", script_name: "api", status: "success" }))
        ?.value,
    ).toBe(12);
  });
});
