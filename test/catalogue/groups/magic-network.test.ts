import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { magicFirewallRules } from "../../../lambda/catalogue/groups/magic-firewall-rules.ts";
import { magicTransitSlo } from "../../../lambda/catalogue/groups/magic-transit-slo.ts";
import { magicTransitTraffic } from "../../../lambda/catalogue/groups/magic-transit-traffic.ts";
import { networkAnalyticsDosd } from "../../../lambda/catalogue/groups/network-analytics-dosd.ts";
import { streamPlayback } from "../../../lambda/catalogue/groups/stream-playback.ts";
import type { AnyQueryGroup } from "../../../lambda/catalogue/query-group.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";
import { accountTruthRows } from "./account-truth.ts";

/**
 * The reference's newer account families (Magic Transit SLO and tunnel traffic, Magic
 * Firewall rules, DDoS network analytics, Stream playback) against the simulator's ground
 * truth. Example Corp has Magic Transit and Stream; Side Project has neither, so its
 * settings turn every one of these groups off without an error.
 */
const account = "example-corp";

function corpAndSide(run: OneMinute) {
  const [corp, side] = ["Example Corp", "Side Project"].map((name) =>
    run.harness.simulator.world.accounts.find((a) => a.name === name),
  );
  if (!corp || !side) throw new Error("accounts");
  return { corp, side };
}

/** Runs `group` for one minute and compares Example Corp's series with `expected(run)`. */
function exactly(
  group: AnyQueryGroup,
  expected: (run: OneMinute, accountTag: string) => Map<string, number>,
) {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(group);
  });
  afterAll(() => run.harness.close());
  it("counts Example Corp exactly and turns Side Project off by its settings", async () => {
    const { corp, side } = corpAndSide(run);
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
    const want = expected(run, corp.id);
    expect(want.size).toBeGreaterThan(1);
    const actual = await run.series(corp.id);
    expect([...actual.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, value] of want) expect(actual.get(key), key).toBeCloseTo(value, 9);
    expect(await run.series(side.id)).toEqual(new Map());
    expect(run.summaries.find((s) => s.accountId === side.id)?.zonesWithoutDataset).toBe(1);
  });
}

const range = (run: OneMinute, accountTag: string, dataset: string) => ({
  dataset,
  accountTag,
  from: run.from,
  to: run.to,
});

describe("magic-transit-slo", () => {
  exactly(magicTransitSlo, (run, accountTag) => {
    const { simulator } = run.harness;
    const out = new Map<string, number>();
    const base = range(run, accountTag, "magicTransitTunnelHealthCheckSLOsAdaptiveGroups");
    for (const { dims } of accountTruthRows(simulator, {
      ...base,
      by: ["tunnelName", "siteName"],
      fields: [],
    })) {
      const labels = { account, tunnel_name: dims.tunnelName ?? "", site_name: dims.siteName ?? "" };
      const where = { tunnelName: labels.tunnel_name, siteName: labels.site_name };
      for (const { dims: s, values } of accountTruthRows(simulator, {
        ...base,
        where,
        by: ["status"],
        fields: ["count"],
      })) {
        out.set(
          seriesKey("cloudflare_magic_transit_tunnel_slo_status", { ...labels, status: s.status ?? "" }),
          values.count ?? 0,
        );
      }
      out.set(
        seriesKey("cloudflare_magic_transit_tunnel_effective_slo", labels),
        simulator.groundTruth({ ...base, where, field: "avg.effectiveSlo" }),
      );
      out.set(
        seriesKey("cloudflare_magic_transit_tunnel_target_slo", labels),
        simulator.groundTruth({ ...base, where, field: "avg.slo" }),
      );
    }
    return out;
  });

  it("weighs two status rows of one tunnel (the duplicate-row case) by their checks", () => {
    const row = (status: string, count: number, effectiveSlo: number) => ({
      count,
      avg: { effectiveSlo, slo: 0.99 },
      dimensions: { datetimeMinute: 600, tunnelName: "t", siteName: "s", status },
    });
    const samples = samplesByMinute(magicTransitSlo, [row("healthy", 30, 1), row("down", 10, 0.6)], {
      name: "account",
      value: "a",
    }).get(600);
    const labels = { account: "a", tunnel_name: "t", site_name: "s" };
    expect(
      samples?.get(seriesKey("cloudflare_magic_transit_tunnel_effective_slo", labels))?.value,
    ).toBeCloseTo(0.9, 12);
  });
});

describe("magic-transit-traffic", () => {
  exactly(magicTransitTraffic, (run, accountTag) => {
    const base = range(run, accountTag, "magicTransitTunnelTrafficAdaptiveGroups");
    const out = new Map<string, number>();
    for (const { dims, values } of accountTruthRows(run.harness.simulator, {
      ...base,
      by: ["tunnelName", "direction", "onRamp", "offRamp"],
      fields: ["sum.bits", "sum.packets"],
      probe: "sum.packets",
    })) {
      const labels = {
        account,
        tunnel_name: dims.tunnelName ?? "",
        direction: dims.direction ?? "",
        on_ramp: dims.onRamp ?? "",
        off_ramp: dims.offRamp ?? "",
      };
      out.set(
        seriesKey("cloudflare_magic_transit_tunnel_traffic_bits_total", labels),
        values["sum.bits"] ?? 0,
      );
      out.set(
        seriesKey("cloudflare_magic_transit_tunnel_traffic_packets_total", labels),
        values["sum.packets"] ?? 0,
      );
    }
    return out;
  });
});

describe("magic-firewall-rules", () => {
  exactly(magicFirewallRules, (run, accountTag) => {
    const base = range(run, accountTag, "magicFirewallSamplesAdaptiveGroups");
    const out = new Map<string, number>();
    for (const { dims, values } of accountTruthRows(run.harness.simulator, {
      ...base,
      by: ["ruleId"],
      fields: ["sum.bits", "sum.packets"],
      probe: "sum.packets",
    })) {
      const labels = { account, rule_id: dims.ruleId ?? "" };
      out.set(seriesKey("cloudflare_magic_firewall_rule_bits_total", labels), values["sum.bits"] ?? 0);
      out.set(seriesKey("cloudflare_magic_firewall_rule_packets_total", labels), values["sum.packets"] ?? 0);
    }
    return out;
  });

  it("adds the per-second rows of one rule and minute (the duplicate-row case)", () => {
    const row = (second: number, packets: number) => ({
      dimensions: { datetime: 600 + second, ruleId: "r" },
      sum: { bits: packets * 8, packets },
    });
    const samples = samplesByMinute(magicFirewallRules, [row(3, 10), row(41, 5)], {
      name: "account",
      value: "a",
    });
    expect(
      samples
        .get(600)
        ?.get(seriesKey("cloudflare_magic_firewall_rule_packets_total", { account: "a", rule_id: "r" }))
        ?.value,
    ).toBe(15);
  });
});

describe("network-analytics-dosd", () => {
  exactly(networkAnalyticsDosd, (run, accountTag) => {
    const base = range(run, accountTag, "dosdNetworkAnalyticsAdaptiveGroups");
    const out = new Map<string, number>();
    for (const { dims, values } of accountTruthRows(run.harness.simulator, {
      ...base,
      by: ["outcome", "direction", "ipProtocolName", "attackVector"],
      fields: ["sum.bits", "sum.packets"],
      probe: "sum.packets",
    })) {
      const labels = {
        account,
        outcome: dims.outcome ?? "",
        direction: dims.direction ?? "",
        ip_protocol: dims.ipProtocolName ?? "",
        attack_vector: dims.attackVector ?? "",
      };
      out.set(seriesKey("cloudflare_network_analytics_dosd_bits_total", labels), values["sum.bits"] ?? 0);
      out.set(
        seriesKey("cloudflare_network_analytics_dosd_packets_total", labels),
        values["sum.packets"] ?? 0,
      );
    }
    return out;
  });
});

describe("stream-playback", () => {
  exactly(streamPlayback, (run, accountTag) => {
    const base = range(run, accountTag, "streamMinutesViewedAdaptiveGroups");
    const out = new Map<string, number>();
    for (const { dims, values } of accountTruthRows(run.harness.simulator, {
      ...base,
      by: ["clientCountryName", "mediaType"],
      fields: ["count", "sum.minutesViewed"],
    })) {
      const labels = { account, country: dims.clientCountryName ?? "", media_type: dims.mediaType ?? "" };
      out.set(seriesKey("cloudflare_stream_video_playback_count_total", labels), values.count ?? 0);
      out.set(
        seriesKey("cloudflare_stream_video_playback_time_viewed_seconds_total", labels),
        (values["sum.minutesViewed"] ?? 0) * 60,
      );
    }
    return out;
  });
});
