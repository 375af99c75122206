import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientAsn } from "../../../lambda/catalogue/groups/client-asn.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { readAccountShards } from "../../../lambda/store/shards.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import {
  busyFreeZoneWorld,
  expectNoErrors,
  expectSameSeries,
  storedSeries,
  truthRows,
} from "./adaptive-truth.ts";

const requests = "cloudflare_zone_requests_asn_total";
const bytes = "cloudflare_zone_bandwidth_asn_total";
const by = ["clientAsn", "clientASNDescription"];

/** Per paid zone: its networks in the counted minute, largest first (ground truth). */
function networks(run: OneMinute) {
  const { simulator } = run.harness;
  return simulator.world.zones
    .filter((zone) => zone.plan !== "free")
    .map((zone) => {
      const range = { zoneTag: zone.id, from: run.from, to: run.to };
      const rows = truthRows(simulator, { ...range, by, fields: ["count", "sum.edgeResponseBytes"] });
      return { zone, rows: rows.sort((a, b) => (b.values.count ?? 0) - (a.values.count ?? 0)) };
    });
}

const labelsOf = (zone: string, dims: Record<string, string>) => ({
  zone,
  asn: dims.clientAsn ?? "",
  asn_description: dims.clientASNDescription ?? "",
});

describe("client-asn", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(clientAsn, { world: busyFreeZoneWorld });
  });
  afterAll(() => run.harness.close());

  it("counts requests and bytes by network exactly in paid zones, and never asks Free zones", async () => {
    expectNoErrors(run);
    expect(run.summaries.map((summary) => summary.datasetsRefused)).toEqual([0, 0]);
    const want = new Map<string, number>();
    for (const { zone, rows } of networks(run)) {
      for (const { dims, values } of rows) {
        want.set(seriesKey(requests, labelsOf(zone.name, dims)), values.count ?? 0);
        want.set(seriesKey(bytes, labelsOf(zone.name, dims)), values["sum.edgeResponseBytes"] ?? 0);
      }
    }
    expect(want.size).toBeGreaterThan(20);
    expectSameSeries(await storedSeries(run, [requests, bytes]), want);
  });

  it("adds up two rows of one network and minute (a duplicate row)", () => {
    const row = (count: number) => ({
      count,
      sum: { edgeResponseBytes: count * 100 },
      dimensions: { datetimeMinute: 600, clientAsn: "3320", clientASNDescription: "DTAG" },
    });
    const samples = samplesByMinute(clientAsn, [row(2), row(9)], { name: "zone", value: "z" });
    const labels = { zone: "z", asn: "3320", asn_description: "DTAG" };
    expect(samples.get(600)?.get(seriesKey(requests, labels))?.value).toBe(11);
    expect(samples.get(600)?.get(seriesKey(bytes, labels))?.value).toBe(1100);
  });
});

describe("client-asn at its series cap", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(clientAsn, { world: busyFreeZoneWorld, env: { MAX_SERIES_PER_FAMILY: "3" } });
  });
  afterAll(() => run.harness.close());

  it("keeps the three largest networks of each zone and counts the samples of the others as dropped", async () => {
    expectNoErrors(run);
    const stored = await storedSeries(run, [requests]);
    for (const { zone, rows } of networks(run)) {
      expect(rows.length).toBeGreaterThan(3);
      const kept = [...stored].filter(([key]) => key.includes(`zone="${zone.name}"`));
      expect(kept).toHaveLength(3);
      // The kept ones are exact, and none is smaller than a network left out.
      const counts = new Map(
        rows.map((row) => [seriesKey(requests, labelsOf(zone.name, row.dims)), row.values.count ?? 0]),
      );
      for (const [key, value] of kept) expect(value, key).toBe(counts.get(key));
      const smallestKept = Math.min(...kept.map(([, value]) => value));
      expect(smallestKept).toBeGreaterThanOrEqual(rows[3]?.values.count ?? 0);
      const shards = await readAccountShards(run.harness.store, zone.accountId);
      const dropped = shards.find((s) => s.group === "client-asn" && s.scopeId === zone.id)?.dropped;
      expect(dropped).toEqual({ [requests]: rows.length - 3, [bytes]: rows.length - 3 });
    }
  });
});
