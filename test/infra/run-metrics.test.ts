import { afterEach, describe, expect, it } from "vitest";
import { fetchAccount } from "../../lambda/collect/fetch-account.ts";
import { runMetricNames, runMetricsLine } from "../../lambda/collect/run-metrics.ts";
import { emfLine } from "../../lambda/lib/emf.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { type Harness, startHarness } from "../collect/harness.ts";
import { synth } from "./synth.ts";

describe("Embedded Metric Format lines", () => {
  it("declare the metrics and carry their values as root members", () => {
    const line = emfLine({
      namespace: "Test",
      timestamp: 1_700_000_000_123.4,
      directives: [{ dimensions: [[], ["AccountId"]], metrics: [{ name: "Age", unit: "Seconds" }] }],
      members: { AccountId: "a1", Age: 42 },
    });
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_123,
        CloudWatchMetrics: [
          { Namespace: "Test", Dimensions: [[], ["AccountId"]], Metrics: [{ Name: "Age", Unit: "Seconds" }] },
        ],
      },
      AccountId: "a1",
      Age: 42,
    });
  });

  it("refuse a metric without a value or a dimension without a string", () => {
    const base = { namespace: "Test", timestamp: 0 };
    expect(() =>
      emfLine({
        ...base,
        directives: [{ dimensions: [[]], metrics: [{ name: "X", unit: "Count" }] }],
        members: {},
      }),
    ).toThrow(/metric X has no finite value/);
    expect(() =>
      emfLine({
        ...base,
        directives: [{ dimensions: [["AccountId"]], metrics: [{ name: "X", unit: "Count" }] }],
        members: { X: 1, AccountId: 5 },
      }),
    ).toThrow(/dimension AccountId has no string value/);
  });
});

describe("a fetcher run's metrics", () => {
  const now = Date.UTC(2026, 10, 20, 12, 0, 30);
  const summary = {
    accountId: "0123456789abcdef0123456789abcdef",
    oldestCursor: now / 1000 - 390,
    rateLimitEvents: 2,
    minutesCounted: 12,
    errorCount: 1,
    stateZonesHeld: 4,
    stateZonesRead: 1,
  };

  it("publish the data age stack-wide and per account, and the counts stack-wide only", () => {
    const record = JSON.parse(runMetricsLine(summary, now, "CloudflareExporter/Test"));
    expect(record._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: "CloudflareExporter/Test",
        Dimensions: [[]],
        Metrics: [
          { Name: "DataAgeSeconds", Unit: "Seconds" },
          { Name: "RateLimitEvents", Unit: "Count" },
          { Name: "MinutesCounted", Unit: "Count" },
          { Name: "CollectionErrors", Unit: "Count" },
        ],
      },
      {
        Namespace: "CloudflareExporter/Test",
        Dimensions: [["AccountId"]],
        Metrics: [{ Name: "DataAgeSeconds", Unit: "Seconds" }],
      },
    ]);
    expect(record).toMatchObject({
      AccountId: summary.accountId,
      DataAgeSeconds: 390,
      RateLimitEvents: 2,
      MinutesCounted: 12,
      CollectionErrors: 1,
      // Log fields only: no directive above names them.
      StateZonesHeld: 4,
      StateZonesRead: 1,
    });
    expect(record._aws.Timestamp).toBe(now);
  });

  it("leave the data age out when the account has no cursor yet", () => {
    const record = JSON.parse(runMetricsLine({ ...summary, oldestCursor: undefined }, now));
    expect(record._aws.CloudWatchMetrics).toHaveLength(1);
    expect(record._aws.CloudWatchMetrics[0].Namespace).toBe("CloudflareExporter");
    expect(record.DataAgeSeconds).toBeUndefined();
  });

  it("are the metrics the stack alarms on, in the namespace the stack gives the fetcher", () => {
    const { template } = synth();
    for (const name of [runMetricNames.dataAge, runMetricNames.rateLimitEvents]) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "CloudflareExporter/Test",
        MetricName: name,
      });
    }
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: { METRICS_NAMESPACE: "CloudflareExporter/Test" } },
    });
  });
});

describe("what a fetcher run reports for its metrics", () => {
  let harness: Harness;
  afterEach(() => harness?.close());

  it("the oldest cursor after the run, and Cloudflare's rate-limit answers", async () => {
    harness = await startHarness();
    const account = harness.simulator.world.accounts[0];
    if (!account) throw new Error("no account");
    const first = await fetchAccount(harness.runtime(), { id: account.id, name: account.name });
    const cursors = (await readAccountShards(harness.store, account.id)).map((shard) => shard.cursor);
    expect(first).toMatchObject({ rateLimitEvents: 0, oldestCursor: Math.min(...cursors) });
    // Fresh data trails now by the settling delay and less than a minute.
    const age = harness.clock.now() / 1000 - (first.oldestCursor ?? 0);
    expect(age).toBeGreaterThanOrEqual(300);
    expect(age).toBeLessThan(360);

    harness.clock.advance(2 * 60_000);
    harness.simulator.faults.add({ kind: "budget", api: "graphql", times: 1 });
    const limited = await fetchAccount(harness.runtime(), { id: account.id, name: account.name });
    expect(limited.rateLimitEvents).toBe(1);
    // Nothing advanced: the data is now two minutes older.
    expect(limited.oldestCursor).toBe(first.oldestCursor);
    const line = JSON.parse(
      runMetricsLine({ ...limited, errorCount: limited.errors.length }, harness.clock.now()),
    );
    expect(line).toMatchObject({ RateLimitEvents: 1, DataAgeSeconds: Math.round(age + 120) });
  });
});
