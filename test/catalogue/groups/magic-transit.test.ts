import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { magicTransit } from "../../../lambda/catalogue/groups/magic-transit.ts";
import { magicTransitColos } from "../../../lambda/catalogue/groups/magic-transit-colos.ts";
import { magicTransitState } from "../../../lambda/catalogue/groups/magic-transit-state.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { countMinutes, countOneMinute, type OneMinute } from "../../collect/group-test.ts";

/**
 * `magic-transit` and `magic-transit-colos` against the simulator, one known minute. Labels
 * map by hand: tunnel_name → `tunnelName`, site_name → `siteName`; values are health-check
 * counts (`count`) of that minute, split by `resultStatus`, the distinct `edgeColoCity`
 * values, and the state from the mean `tunnelState` of all the tunnel's checks.
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
    out.set(seriesKey("cloudflare_magic_transit_healthy_tunnels", labels), byResult.get("healthy") ?? 0);
    out.set(
      seriesKey("cloudflare_magic_transit_tunnel_failures", labels),
      [...byResult].filter(([result]) => result !== "healthy").reduce((total, [, v]) => total + v, 0),
    );
    for (const [result, checks] of byResult) {
      if (result === "healthy" || checks === 0) continue;
      out.set(
        seriesKey("cloudflare_magic_transit_tunnel_failure_by_status", { ...labels, result_status: result }),
        checks,
      );
    }
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

  it("Example Corp: healthy and failed checks per tunnel (and per failing result) equal the ground truth", async () => {
    const { corp } = accounts(run);
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
    const want = expectedHealth(run, corp.id, "example-corp");
    // Three tunnels, all checked in the minute: healthy and failures each, plus failing results.
    expect([...want.keys()].filter((k) => !k.includes("failure_by_status")).length).toBe(6);
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

describe("magic-transit-state", () => {
  let run: OneMinute;
  beforeAll(async () => {
    // Ten minutes, so some tunnel has a degraded or down minute among healthy ones.
    run = await countMinutes(magicTransitState, 10);
  });
  afterAll(async () => {
    await run.harness.close();
  });

  it("Example Corp: each tunnel's state is its last minute's mean tunnelState, classified", async () => {
    const { corp, side } = accounts(run);
    expect(run.summaries.flatMap((s) => s.errors)).toEqual([]);
    const { simulator } = run.harness;
    const want = new Map<string, number>();
    const last = run.to - 60;
    for (const { name: tunnelName, siteName } of tunnels(run, corp.id)) {
      const query = { dataset, accountTag: corp.id, where: { tunnelName, siteName }, from: last, to: run.to };
      const state = simulator.groundTruth({ ...query, field: "avg.tunnelState" });
      const labels = { account: "example-corp", tunnel_name: tunnelName, site_name: siteName };
      const is = state >= 0.75 ? "healthy" : state >= 0.25 ? "degraded" : "down";
      for (const name of ["healthy", "degraded", "down"]) {
        want.set(seriesKey(`cloudflare_magic_transit_tunnel_state_${name}`, labels), name === is ? 1 : 0);
      }
    }
    expect(await run.series(corp.id)).toEqual(want);
    expect(await run.series(side.id)).toEqual(new Map());
  });

  it("a query selecting `active` gets zero rows, as from Cloudflare", async () => {
    const { corp } = accounts(run);
    const query = (dimensions: string) => ({
      query: `query { viewer { accounts(filter: { accountTag: "${corp.id}" }) { rows: magicTransitTunnelHealthChecksAdaptiveGroups(limit: 100, filter: { datetime_geq: "${new Date((run.to - 60) * 1000).toISOString()}", datetime_lt: "${new Date(run.to * 1000).toISOString()}" }) { count dimensions { ${dimensions} } } } } }`,
    });
    const rows = async (dimensions: string) => {
      const response = await fetch(`${run.harness.simulator.baseUrl}/graphql`, {
        method: "POST",
        headers: { authorization: "Bearer sim-token", "content-type": "application/json" },
        body: JSON.stringify(query(dimensions)),
      });
      const body = (await response.json()) as { data: { viewer: { accounts: { rows: unknown[] }[] } } };
      return body.data.viewer.accounts[0]?.rows.length;
    };
    expect(await rows("tunnelName active")).toBe(0);
    expect(await rows("tunnelName")).toBe(3);
  });
});

describe("magic transit mapping", () => {
  const scope = { name: "account", value: "a" } as const;
  const health = (tunnelName: string, resultStatus: string, count: number) => ({
    count,
    dimensions: { datetimeMinute: 600, tunnelName, siteName: "dc:east", resultStatus },
  });

  it('merges the rows of one tunnel: checks summed per result, "ok" and "healthy" both healthy', () => {
    const samples = samplesByMinute(
      magicTransit,
      [
        health("gre:1", "ok", 12),
        health("gre:1", "healthy", 6),
        health("gre:1", "degraded", 4),
        health("gre:1", "down", 2),
      ],
      scope,
    ).get(600);
    // Names containing ":" stay whole (the reference split "tunnel:site" keys on ":").
    const labels = { account: "a", tunnel_name: "gre:1", site_name: "dc:east" };
    expect(samples?.get(seriesKey("cloudflare_magic_transit_healthy_tunnels", labels))?.value).toBe(18);
    expect(samples?.get(seriesKey("cloudflare_magic_transit_tunnel_failures", labels))?.value).toBe(6);
    const byStatus = (result_status: string) =>
      samples?.get(
        seriesKey("cloudflare_magic_transit_tunnel_failure_by_status", { ...labels, result_status }),
      )?.value;
    expect([byStatus("degraded"), byStatus("down"), byStatus("ok")]).toEqual([4, 2, undefined]);
  });

  it("a tunnel without healthy checks shows 0 healthy, not an older value", () => {
    const samples = samplesByMinute(magicTransit, [health("gre-2", "down", 6)], scope).get(600);
    const labels = { account: "a", tunnel_name: "gre-2", site_name: "dc:east" };
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
