import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { networkAnalyticsDnsProtection } from "../../../lambda/catalogue/groups/network-analytics-dns-protection.ts";
import { networkAnalyticsIdps } from "../../../lambda/catalogue/groups/network-analytics-idps.ts";
import { networkAnalyticsTcpProtection } from "../../../lambda/catalogue/groups/network-analytics-tcp-protection.ts";
import type { AnyQueryGroup } from "../../../lambda/catalogue/query-group.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import { accountTruthRows } from "./account-truth.ts";

/**
 * The Network Analytics v2 groups of the protection systems (Magic IDPS, Advanced TCP and
 * DNS Protection) against the simulator's ground truth, one known minute. Example Corp has
 * Magic Transit; Side Project has not, so its settings turn each group off without an error.
 */
const cases: [AnyQueryGroup, string][] = [
  [networkAnalyticsIdps, "idps"],
  [networkAnalyticsTcpProtection, "tcp_protection"],
  [networkAnalyticsDnsProtection, "dns_protection"],
];

for (const [group, system] of cases) {
  const bytes = `cloudflare_network_analytics_${system}_bytes_total`;
  const packets = `cloudflare_network_analytics_${system}_packets_total`;

  describe(group.name, () => {
    let run: OneMinute;
    beforeAll(async () => {
      run = await countOneMinute(group);
    });
    afterAll(() => run.harness.close());

    it("counts Example Corp's bytes and packets exactly and turns Side Project off by its settings", async () => {
      expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
      const accounts = run.harness.simulator.world.accounts;
      const corp = accounts.find((a) => a.name === "Example Corp");
      const side = accounts.find((a) => a.name === "Side Project");
      if (!corp || !side) throw new Error("default world changed");
      const want = new Map<string, number>();
      for (const { dims, values } of accountTruthRows(run.harness.simulator, {
        dataset: group.dataset,
        accountTag: corp.id,
        from: run.from,
        to: run.to,
        by: ["outcome", "direction", "ipProtocolName"],
        fields: ["sum.bits", "sum.packets"],
        probe: "sum.packets",
      })) {
        const labels = {
          account: "example-corp",
          outcome: dims.outcome ?? "",
          direction: dims.direction ?? "",
          ip_protocol: dims.ipProtocolName ?? "",
        };
        want.set(seriesKey(bytes, labels), (values["sum.bits"] ?? 0) / 8);
        want.set(seriesKey(packets, labels), values["sum.packets"] ?? 0);
      }
      expect(want.size).toBeGreaterThan(2);
      expect(await run.series(corp.id)).toEqual(want);
      expect(await run.series(side.id)).toEqual(new Map());
      expect(run.summaries.find((s) => s.accountId === side.id)?.zonesWithoutDataset).toBe(1);
    });
  });
}

describe("network-analytics groups: a duplicate row", () => {
  it("adds up two rows of one outcome, direction, protocol and minute", () => {
    const row = (bitCount: number, packetCount: number) => ({
      sum: { bits: bitCount, packets: packetCount },
      dimensions: { datetimeMinute: 600, outcome: "drop", direction: "ingress", ipProtocolName: "TCP" },
    });
    const samples = samplesByMinute(networkAnalyticsTcpProtection, [row(8_000, 10), row(4_000, 5)], {
      name: "account",
      value: "a",
    });
    const labels = { account: "a", outcome: "drop", direction: "ingress", ip_protocol: "TCP" };
    const minute = samples.get(600);
    expect(
      minute?.get(seriesKey("cloudflare_network_analytics_tcp_protection_bytes_total", labels))?.value,
    ).toBe(1_500);
    expect(
      minute?.get(seriesKey("cloudflare_network_analytics_tcp_protection_packets_total", labels))?.value,
    ).toBe(15);
  });
});
