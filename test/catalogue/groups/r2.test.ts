import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { r2Operations } from "../../../lambda/catalogue/groups/r2-operations.ts";
import { r2Storage } from "../../../lambda/catalogue/groups/r2-storage.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";

/** R2 (account scope): Example Corp has the buckets `assets` and `backups`; Side Project none. */
function accounts(run: OneMinute) {
  const [corp, side] = ["Example Corp", "Side Project"].map((name) =>
    run.harness.simulator.world.accounts.find((a) => a.name === name),
  );
  if (!corp || !side) throw new Error("accounts");
  return { corp, side };
}

describe("r2-operations", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(r2Operations);
  });
  afterAll(() => run.harness.close());

  it("counts operations by bucket, action and outcome, and bytes per bucket, exactly", async () => {
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
    const { simulator } = run.harness;
    const { corp, side } = accounts(run);
    const want = new Map<string, number>();
    const base = { dataset: "r2OperationsAdaptiveGroups", accountTag: corp.id, from: run.from, to: run.to };
    let rows = 0;
    for (const bucket of corp.r2Buckets) {
      for (const [actionType] of simulator.groundTruthBy({
        ...base,
        field: "sum.requests",
        where: { bucketName: bucket },
        by: "actionType",
      })) {
        const where = { bucketName: bucket, actionType };
        for (const [status, requests] of simulator.groundTruthBy({
          ...base,
          field: "sum.requests",
          where,
          by: "actionStatus",
        })) {
          rows++;
          const labels = { account: "example-corp", bucket, action_type: actionType, action_status: status };
          want.set(seriesKey("cloudflare_r2_operations_total", labels), requests);
        }
      }
      want.set(
        seriesKey("cloudflare_r2_response_bytes_total", { account: "example-corp", bucket }),
        simulator.groundTruth({ ...base, field: "sum.responseBytes", where: { bucketName: bucket } }),
      );
    }
    // The duplicate-row case: a bucket's bytes add up over its many rows.
    expect(rows).toBeGreaterThan(corp.r2Buckets.length);
    expect(await run.series(corp.id)).toEqual(want);
    expect(await run.series(side.id)).toEqual(new Map());
  });
});

describe("r2-storage", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(r2Storage);
  });
  afterAll(() => run.harness.close());

  it("holds each bucket's size of the last counted minute", async () => {
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
    const { simulator } = run.harness;
    const { corp, side } = accounts(run);
    const want = new Map<string, number>();
    const base = { dataset: "r2StorageAdaptiveGroups", accountTag: corp.id, from: run.from, to: run.to };
    for (const bucket of corp.r2Buckets) {
      const labels = { account: "example-corp", bucket, storage_class: "Standard" };
      const where = { bucketName: bucket, storageClass: "Standard" };
      for (const [family, field] of [
        ["cloudflare_r2_objects", "max.objectCount"],
        ["cloudflare_r2_storage_payload_bytes", "max.payloadSize"],
        ["cloudflare_r2_storage_metadata_bytes", "max.metadataSize"],
        ["cloudflare_r2_multipart_uploads", "max.uploadCount"],
      ] as const) {
        want.set(seriesKey(family, labels), simulator.groundTruth({ ...base, field, where }));
      }
    }
    expect(await run.series(corp.id)).toEqual(want);
    expect(await run.series(side.id)).toEqual(new Map());
  });

  it("keeps the largest of two rows of one bucket, class and minute (a duplicate row)", () => {
    const row = (objectCount: number) => ({
      dimensions: { datetimeMinute: 600, bucketName: "b", storageClass: "Standard" },
      max: { objectCount, payloadSize: 1, metadataSize: 1, uploadCount: 0 },
    });
    const samples = samplesByMinute(r2Storage, [row(10), row(12)], { name: "account", value: "a" });
    const key = seriesKey("cloudflare_r2_objects", { account: "a", bucket: "b", storage_class: "Standard" });
    expect(samples.get(600)?.get(key)?.value).toBe(12);
  });
});
