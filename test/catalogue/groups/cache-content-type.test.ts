import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheContentType } from "../../../lambda/catalogue/groups/cache-content-type.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import {
  busyFreeZoneWorld,
  expectNoErrors,
  expectSameSeries,
  storedSeries,
  truthRows,
} from "./adaptive-truth.ts";

const requests = "cloudflare_zone_requests_cache_status_content_type_total";
const bytes = "cloudflare_zone_bandwidth_cache_status_content_type_total";

describe("cache-content-type", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(cacheContentType, { world: busyFreeZoneWorld });
  });
  afterAll(() => run.harness.close());

  it("counts requests and bytes by cache status and content type exactly, and leaves Free zones alone", async () => {
    expectNoErrors(run);
    // Free zones were never asked (Cloudflare refuses them the content type): no refusal met.
    expect(run.summaries.map((summary) => summary.datasetsRefused)).toEqual([0, 0]);
    const { simulator } = run.harness;
    const want = new Map<string, number>();
    for (const zone of simulator.world.zones.filter((z) => z.plan !== "free")) {
      const range = { zoneTag: zone.id, from: run.from, to: run.to };
      const by = ["edgeResponseContentTypeName", "cacheStatus"];
      const fields = ["count", "sum.edgeResponseBytes"];
      for (const { dims, values } of truthRows(simulator, { ...range, by, fields })) {
        const labels = {
          zone: zone.name,
          content_type: dims.edgeResponseContentTypeName ?? "",
          cache_status: dims.cacheStatus ?? "",
        };
        if ((values.count ?? 0) > 0) want.set(seriesKey(requests, labels), values.count ?? 0);
        if ((values["sum.edgeResponseBytes"] ?? 0) > 0)
          want.set(seriesKey(bytes, labels), values["sum.edgeResponseBytes"] ?? 0);
      }
    }
    const actual = await storedSeries(run, [requests, bytes]);
    expectSameSeries(actual, want);
    expect([...actual.keys()].some((key) => key.includes('zone="example.com"'))).toBe(true);
    expect([...actual.keys()].filter((key) => /zone="(example\.org|sideproject\.app)"/.test(key))).toEqual(
      [],
    );
  });

  it("adds up two rows of one content type, cache status and minute (a duplicate row)", () => {
    const row = (count: number, edgeResponseBytes: number) => ({
      count,
      sum: { edgeResponseBytes },
      dimensions: { datetimeMinute: 600, edgeResponseContentTypeName: "html", cacheStatus: "hit" },
    });
    const samples = samplesByMinute(cacheContentType, [row(4, 4000), row(6, 1000)], {
      name: "zone",
      value: "z",
    });
    const labels = { zone: "z", content_type: "html", cache_status: "hit" };
    expect(samples.get(600)?.get(seriesKey(requests, labels))?.value).toBe(10);
    expect(samples.get(600)?.get(seriesKey(bytes, labels))?.value).toBe(5000);
  });
});
