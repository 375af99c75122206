import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logpushAccount } from "../../../lambda/catalogue/groups/logpush-account.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";

/**
 * `logpush-account` against the simulator. Failed pushes are rare (about one minute in
 * twenty per job), so besides the one known minute the group also counts six hours, where
 * failures and lost batches are certain; counters over a range equal the ground truth over
 * that range. Labels map by hand: job_id → `jobId`, status → `status` (only ≠ 200),
 * destination_type → `destinationType`; lost batches are the failed attempts with `final = 1`.
 */
const dataset = "logpushHealthAdaptiveGroups";
const failedName = "cloudflare_logpush_failed_jobs_account_total";
const lostName = "cloudflare_logpush_lost_batches_account_total";

function expected(run: OneMinute, accountId: string, account: string, from: number) {
  const { simulator } = run.harness;
  const jobs = simulator.world.accounts.find((a) => a.id === accountId)?.logpushJobs ?? [];
  const out = new Map<string, number>();
  for (const job of jobs) {
    const where = { jobId: job.id, destinationType: job.destinationType };
    const query = { dataset, accountTag: accountId, field: "count", from, to: run.to, by: "status" };
    const failed = simulator.groundTruthBy({ ...query, where });
    const lost = simulator.groundTruthBy({ ...query, where: { ...where, final: 1 } });
    for (const [status, attempts] of failed) {
      if (status === "200") continue;
      const labels = { account, job_id: String(job.id), status, destination_type: job.destinationType };
      out.set(seriesKey(failedName, labels), attempts);
      out.set(seriesKey(lostName, labels), lost.get(status) ?? 0);
    }
  }
  return out;
}

function ours(stored: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...stored].filter(([key]) => key.startsWith(failedName) || key.startsWith(lostName)));
}

describe("logpush-account, one known minute", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(logpushAccount);
  });
  afterAll(async () => {
    await run.harness.close();
  });

  it("Example Corp equals the ground truth; Side Project (no Logpush) is skipped without error", async () => {
    const [corp, side] = ["Example Corp", "Side Project"].map((name) =>
      run.harness.simulator.world.accounts.find((a) => a.name === name),
    );
    if (!corp || !side) throw new Error("accounts");
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
    const stored = await run.series(corp.id);
    expect(stored).toEqual(ours(stored));
    expect(stored).toEqual(expected(run, corp.id, "example-corp", run.from));
    expect(await run.series(side.id)).toEqual(new Map());
  });
});

describe("logpush-account, six hours", () => {
  const lookback = 6 * 3_600;
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(logpushAccount, { env: { INITIAL_LOOKBACK_SECONDS: String(lookback) } });
  });
  afterAll(async () => {
    await run.harness.close();
  });
  const corpId = () => {
    const corp = run.harness.simulator.world.accounts.find((a) => a.name === "Example Corp");
    if (!corp) throw new Error("Example Corp");
    return corp.id;
  };

  it("failed attempts and lost batches per job and status equal the ground truth", async () => {
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
    const stored = await run.series(corpId());
    const want = expected(run, corpId(), "example-corp", run.to - lookback);
    expect([...want].filter(([key, v]) => key.startsWith(failedName) && v > 0).length).toBeGreaterThan(0);
    expect([...want].filter(([key, v]) => key.startsWith(lostName) && v > 0).length).toBeGreaterThan(0);
    expect(stored).toEqual(ours(stored));
    expect(stored).toEqual(want);
  });

  it("the final and non-final attempts of one job and status are one series, counted once", async () => {
    const { simulator } = run.harness;
    const stored = await run.series(corpId());
    let split = 0;
    for (const job of simulator.world.accounts.find((a) => a.id === corpId())?.logpushJobs ?? []) {
      for (const status of [500, 503, 1105]) {
        const byFinal = simulator.groundTruthBy({
          dataset,
          accountTag: corpId(),
          field: "count",
          where: { jobId: job.id, status },
          by: "final",
          from: run.to - lookback,
          to: run.to,
        });
        if (byFinal.size > 1) split++;
        const labels = {
          account: "example-corp",
          job_id: String(job.id),
          status: String(status),
          destination_type: job.destinationType,
        };
        const total = [...byFinal.values()].reduce((a, b) => a + b, 0);
        expect(stored.get(seriesKey(failedName, labels)) ?? 0).toBe(total);
      }
    }
    expect(split).toBeGreaterThan(0);
  });
});

describe("logpush-account mapping", () => {
  const row = (final: number, count: number, jobId: number | null = 7) => ({
    count,
    dimensions: { datetimeMinute: 600, jobId, status: 503, destinationType: "s3", final },
  });

  it("adds the rows of one series in a minute; lost batches are the final ones", () => {
    const samples = samplesByMinute(logpushAccount, [row(0, 2), row(1, 1)], {
      name: "account",
      value: "a",
    }).get(600);
    const labels = { account: "a", job_id: "7", status: "503", destination_type: "s3" };
    expect(samples?.get(seriesKey(failedName, labels))?.value).toBe(3);
    expect(samples?.get(seriesKey(lostName, labels))?.value).toBe(1);
  });

  it("labels missing dimension values unknown", () => {
    const parsed = logpushAccount.rowSchema.parse({
      count: 1,
      dimensions: {
        datetimeMinute: "1970-01-01T00:10:00Z",
        jobId: null,
        status: null,
        destinationType: "",
        final: 1,
      },
    });
    const samples = samplesByMinute(logpushAccount, [parsed], { name: "account", value: "a" }).get(600);
    const labels = { account: "a", job_id: "unknown", status: "unknown", destination_type: "unknown" };
    expect(samples?.get(seriesKey(lostName, labels))?.value).toBe(1);
  });
});
