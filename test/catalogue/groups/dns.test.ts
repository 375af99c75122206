import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dnsAccount } from "../../../lambda/catalogue/groups/dns-account.ts";
import { dnsZone } from "../../../lambda/catalogue/groups/dns-zone.ts";
import { accountLabel } from "../../../lambda/catalogue/query-group.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import { truthRows } from "./zone-dataset-truth.ts";

/** dnsAnalyticsAdaptiveGroups, zone and account scope, against the simulator's ground truth. */
const dataset = "dnsAnalyticsAdaptiveGroups";

describe("dns-zone", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(dnsZone);
  });
  afterAll(() => run.harness.close());

  it("counts every zone's queries by type and response code, and cached ones, exactly (Free zones too)", async () => {
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
    const { simulator } = run.harness;
    const want = new Map<string, number>();
    let merged = 0;
    for (const zone of simulator.world.zones) {
      const range = { dataset, zoneTag: zone.id, from: run.from, to: run.to };
      const rows = truthRows(simulator, { ...range, by: ["queryType", "responseCode"], fields: ["count"] });
      for (const { dims, values } of rows) {
        const labels = {
          zone: zone.name,
          query_type: dims.queryType ?? "",
          response_code: dims.responseCode ?? "",
        };
        want.set(seriesKey("cloudflare_zone_dns_queries_total", labels), values.count ?? 0);
      }
      want.set(
        seriesKey("cloudflare_zone_dns_queries_cached_total", { zone: zone.name }),
        simulator.groundTruth({ ...range, field: "count", where: { responseCached: 1 } }),
      );
      // The duplicate-row case: cached and uncached rows of one type and code add up.
      const split = truthRows(simulator, {
        ...range,
        by: ["queryType", "responseCode", "responseCached"],
        fields: [],
      });
      merged += split.length - rows.length;
    }
    expect(merged).toBeGreaterThan(0);
    const actual = new Map<string, number>();
    for (const account of simulator.world.accounts)
      for (const [k, v] of await run.series(account.id)) actual.set(k, v);
    expect(actual).toEqual(want);
    expect([...actual.keys()].some((key) => key.includes('zone="example.org"'))).toBe(true);
  });
});

describe("dns-account", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(dnsAccount);
  });
  afterAll(() => run.harness.close());

  it("counts each account's queries by type and response code, and by protocol, exactly", async () => {
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
    const { simulator } = run.harness;
    for (const account of simulator.world.accounts) {
      const want = new Map<string, number>();
      const add = (key: string, value: number) => want.set(key, (want.get(key) ?? 0) + value);
      // The account's queries are its zones' queries: summed zone by zone, independently.
      for (const zone of simulator.world.zones.filter((z) => z.accountId === account.id)) {
        const range = { dataset, zoneTag: zone.id, from: run.from, to: run.to };
        for (const { dims, values } of truthRows(simulator, {
          ...range,
          by: ["queryType", "responseCode"],
          fields: ["count"],
        })) {
          const labels = {
            account: accountLabel(account.name),
            query_type: dims.queryType ?? "",
            response_code: dims.responseCode ?? "",
          };
          add(seriesKey("cloudflare_account_dns_queries_total", labels), values.count ?? 0);
        }
        for (const { dims, values } of truthRows(simulator, {
          ...range,
          by: ["protocol"],
          fields: ["count"],
        })) {
          const labels = { account: accountLabel(account.name), protocol: dims.protocol ?? "" };
          add(seriesKey("cloudflare_account_dns_queries_protocol_total", labels), values.count ?? 0);
        }
      }
      expect(await run.series(account.id)).toEqual(want);
    }
  });
});
