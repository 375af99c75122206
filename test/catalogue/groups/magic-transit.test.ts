import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { magicTransit } from "../../../lambda/catalogue/groups/magic-transit.ts";
import { magicTransitColos } from "../../../lambda/catalogue/groups/magic-transit-colos.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { countOneMinute, type OneMinute } from "../../collect/group-test.ts";

/**
 * `magic-transit` and `magic-transit-colos` against the simulator, one known minute. Labels
 * map by hand: tunnel_name → `tunnelName`, site_name → `siteName`; values are health-check
 * counts (`count`) of that minute, split by `resultStatus` and `active`, and the distinct
 * `edgeColoCity` values.
 */
const dataset = "magicTransitTunnelHealthChecksAdaptiveGroups";

function tunnels(run: OneMinute, accountId: string) {
  return run.harness.simulator.world.accounts.find((a) => a.id === accountId)?.tunnels ?? [];
}

function expectedHealth(run: OneMinute, accountId: string, account: string) {
  const { simulator } = run.harness;
  const out = new Map<string, number>();
  for (const { name: tunnelName, siteName } of tunnels(run, accountId)) {
    const where = { tunnelName, siteName };
    const query = { dataset, accountTag: accountId, field: "count", from: run.from, to: run.to };
    const byResult = simulator.groundTruthBy({ ...query, where, by: "resultStatus" });
    if ([...byResult.values()].every((v) => v === 0)) continue;
    const labels = { account, tunnel_name: tunnelName, site_name: siteName };
    const activeChecks = simulator.groundTruth({ ...query, where: { ...where, active: 1 } });
    out.set(seriesKey("cloudflare_magic_transit_active_tunnels", labels), activeChecks > 0 ? 1 : 0);
    out.set(seriesKey("cloudflare_magic_transit_healthy_tunnels", labels), byResult.get("healthy") ?? 0);
    out.set(
      seriesKey("cloudflare_magic_transit_tunnel_failures", labels),
      [...byResult].filter(([result]) => result !== "healthy").reduce((total, [, v]) => total + v, 0),
    );
  }
  return out;
}

function expectedColos(run: OneMinute, accountId: string, account: string) {
  const out = new Map<string, number>();
  for (const { name: tunnelName, siteName } of tunnels(run, accountId)) {
    const byCity = run.harness.simulator.groundTruthBy({
      dataset,
      accountTag: accountId,
      field: "count",
      where: { tunnelName, siteName },
      by: "edgeColoCity",
      from: run.from,
      to: run.to,
    });
    const cities = [...byCity].filter(([city, checks]) => city !== "" && checks > 0).length;
    if (cities > 0) {
      out.set(
        seriesKey("cloudflare_magic_transit_edge_colos", {
          account,
          tunnel_name: tunnelName,
          site_name: siteName,
        }),
        cities,
      );
    }
  }
  return out;
}

function accounts(run: OneMinute) {
  const [corp, side] = ["Example Corp", "Side Project"].map((name) =>
    run.harness.simulator.world.accounts.find((a) => a.name === name),
  );
  if (!corp || !side) throw new Error("accounts");
  return { corp, side };
}

describe("magic-transit", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(magicTransit);
  });
  afterAll(async () => {
    await run.harness.close();
  });

  it("Example Corp: active, healthy and failed checks per tunnel equal the ground truth", async () => {
    const { corp } = accounts(run);
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
    const want = expectedHealth(run, corp.id, "example-corp");
    // Three tunnels, all checked in the minute; the backup tunnel is inactive.
    expect(want.size).toBe(9);
    expect(
      want.get(
        seriesKey("cloudflare_magic_transit_active_tunnels", {
          account: "example-corp",
          tunnel_name: "gre-backup",
          site_name: "dc-east",
        }),
      ),
    ).toBe(0);
    expect(
      want.get(
        seriesKey("cloudflare_magic_transit_active_tunnels", {
          account: "example-corp",
          tunnel_name: "gre-primary",
          site_name: "dc-east",
        }),
      ),
    ).toBe(1);
    expect(await run.series(corp.id)).toEqual(want);
  });

  it("Side Project (no Magic Transit) is skipped without error", async () => {
    const { side } = accounts(run);
    expect(run.summaries.find((s) => s.accountId === side.id)?.errors).toEqual([]);
    expect(await run.series(side.id)).toEqual(new Map());
  });
});

describe("magic-transit-colos", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countOneMinute(magicTransitColos);
  });
  afterAll(async () => {
    await run.harness.close();
  });

  it("Example Corp: distinct edge cities per tunnel equal the ground truth; Side Project skipped", async () => {
    const { corp, side } = accounts(run);
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
    const want = expectedColos(run, corp.id, "example-corp");
    expect(want.size).toBe(3);
    expect([...want.values()].every((v) => v > 1)).toBe(true);
    expect(await run.series(corp.id)).toEqual(want);
    expect(await run.series(side.id)).toEqual(new Map());
  });
});

describe("magic transit mapping", () => {
  const scope = { name: "account", value: "a" } as const;
  const health = (tunnelName: string, resultStatus: string, active: number, count: number) => ({
    count,
    dimensions: { datetimeMinute: 600, tunnelName, siteName: "dc:east", resultStatus, active },
  });

  it("merges the rows of one tunnel: active if any is, checks summed per result", () => {
    const samples = samplesByMinute(
      magicTransit,
      [
        health("gre:1", "healthy", 0, 12),
        health("gre:1", "healthy", 1, 6),
        health("gre:1", "degraded", 1, 4),
        health("gre:1", "down", 0, 2),
      ],
      scope,
    ).get(600);
    // Names containing ":" stay whole (the reference split "tunnel:site" keys on ":").
    const labels = { account: "a", tunnel_name: "gre:1", site_name: "dc:east" };
    expect(samples?.get(seriesKey("cloudflare_magic_transit_active_tunnels", labels))?.value).toBe(1);
    expect(samples?.get(seriesKey("cloudflare_magic_transit_healthy_tunnels", labels))?.value).toBe(18);
    expect(samples?.get(seriesKey("cloudflare_magic_transit_tunnel_failures", labels))?.value).toBe(6);
  });

  it("an inactive tunnel without healthy checks shows 0 and 0, not an older value", () => {
    const samples = samplesByMinute(magicTransit, [health("gre-2", "down", 0, 6)], scope).get(600);
    const labels = { account: "a", tunnel_name: "gre-2", site_name: "dc:east" };
    expect(samples?.get(seriesKey("cloudflare_magic_transit_active_tunnels", labels))?.value).toBe(0);
    expect(samples?.get(seriesKey("cloudflare_magic_transit_healthy_tunnels", labels))?.value).toBe(0);
    expect(samples?.get(seriesKey("cloudflare_magic_transit_tunnel_failures", labels))?.value).toBe(6);
  });

  it("counts distinct cities, skipping an empty one", () => {
    const colo = (edgeColoCity: string) => ({
      count: 6,
      dimensions: { datetimeMinute: 600, tunnelName: "gre:1", siteName: "dc:east", edgeColoCity },
    });
    const samples = samplesByMinute(
      magicTransitColos,
      [colo("Ashburn"), colo("Frankfurt"), colo("")],
      scope,
    ).get(600);
    expect(
      samples?.get(
        seriesKey("cloudflare_magic_transit_edge_colos", {
          account: "a",
          tunnel_name: "gre:1",
          site_name: "dc:east",
        }),
      )?.value,
    ).toBe(2);
  });
});
