import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { firewallBots } from "../../../lambda/catalogue/groups/firewall-bots.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import { fetchAccount } from "../../../lambda/collect/fetch-account.ts";
import { createRuntime } from "../../../lambda/collect/runtime.ts";
import { readDocument } from "../../../lambda/store/items.ts";
import { readAccountShards } from "../../../lambda/store/shards.ts";
import { keys } from "../../../lambda/store/table.ts";
import { defaultWorldSpec, type WorldSpec } from "../../../local/simulator/world.ts";
import type { OneMinute } from "../../collect/group-test.ts";
import {
  add,
  countMinutes,
  expectSameSeries,
  storedSeries,
  truthRows,
  zoneNamed,
} from "./zone-dataset-truth.ts";

/**
 * `firewall-bots` against the simulator over an hour (firewall events on bot traffic are
 * rare): every stored series compared with the ground truth of
 * `firewallEventsAdaptiveGroups` over events with a bot score below 30. Labels by hand:
 * bot_score → `botScore` in 0–9 or 10–29, detection_source → `botScoreSrcName`, country →
 * `clientCountryName`. Bot fields need Bot Management, an Enterprise add-on: the world adds
 * to the default one an Enterprise zone without it, beside the Business and Pro zones.
 */
const dataset = "firewallEventsAdaptiveGroups";
const detected = "cloudflare_zone_firewall_bots_detected_total";
const byCountry = "cloudflare_zone_bot_requests_by_country_total";
const families = [detected, byCountry];
const minutes = 60;
const scores = (low: number, high: number) => Array.from({ length: high - low + 1 }, (_, i) => low + i);

function expected(run: OneMinute, zoneName: string): Map<string, number> {
  const simulator = run.harness.simulator;
  const zone = zoneNamed(simulator, zoneName);
  const out = new Map<string, number>();
  const range = { dataset, zoneTag: zone.id, from: run.from, to: run.to, fields: ["count"] };
  for (const [bucket, low, high] of [
    ["0-9", 0, 9],
    ["10-29", 10, 29],
  ] as const) {
    for (const { dims, values } of truthRows(simulator, {
      ...range,
      where: { botScore: scores(low, high) },
      by: ["botScoreSrcName"],
    })) {
      const source = dims.botScoreSrcName || "unknown";
      add(
        out,
        seriesKey(detected, { zone: zone.name, bot_score: bucket, detection_source: source }),
        values.count ?? 0,
      );
    }
  }
  for (const { dims, values } of truthRows(simulator, {
    ...range,
    where: { botScore: scores(0, 29) },
    by: ["clientCountryName"],
  })) {
    add(
      out,
      seriesKey(byCountry, { zone: zone.name, country: dims.clientCountryName ?? "" }),
      values.count ?? 0,
    );
  }
  return out;
}

const withoutBotManagement = "example.net";
const world: WorldSpec = {
  ...defaultWorldSpec,
  accounts: defaultWorldSpec.accounts.map((account, index) =>
    index === 0
      ? {
          ...account,
          zones: [
            ...(account.zones ?? []),
            { name: withoutBotManagement, plan: "enterprise", botManagement: false },
          ],
        }
      : account,
  ),
};

describe("firewall-bots (default world and an Enterprise zone without Bot Management)", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countMinutes(firewallBots, minutes, { world });
  });
  afterAll(() => run.harness.close());

  it("counts every series of the Bot Management zone exactly: rows of one bucket add before counting", async () => {
    const want = expected(run, "example.com");
    expectSameSeries(await storedSeries(run, families), want);
    // Not vacuous: a bucket and source series takes several bot scores (rows) at once.
    const simulator = run.harness.simulator;
    const zone = zoneNamed(simulator, "example.com");
    const rows = truthRows(simulator, {
      dataset,
      zoneTag: zone.id,
      from: run.from,
      to: run.to,
      where: { botScore: scores(10, 29) },
      by: ["botScoreSrcName", "botScore"],
      fields: [],
    });
    expect(new Set(rows.map((row) => row.dims.botScoreSrcName)).size).toBeLessThan(rows.length);
  });

  it("never asks Business or Pro zones; the Enterprise zone without Bot Management is refused once, remembered, not an error, and has no series", async () => {
    expect(run.summaries.flatMap((summary) => summary.errors)).toEqual([]);
    // Only Example Corp's Enterprise zone without the add-on: the Business and Pro zones of
    // both accounts are never asked (each cost a refused request before), Free zones lack the dataset.
    expect(run.summaries.map((summary) => summary.datasetsRefused)).toEqual([1, 0]);
    // Each account makes two requests with nothing of this group to ask (Side Project's all);
    // Example Corp adds the refused request and the one without that zone. Asking the Business
    // and Pro zones too, as before, took 6 and 5 in the default world.
    expect(run.summaries.map((summary) => summary.graphqlRequests)).toEqual([4, 2]);
    const remembered: Record<string, string> = {};
    for (const account of run.harness.simulator.world.accounts) {
      const stored = await readDocument(
        run.harness.store,
        keys.account(account.id),
        keys.unavailable,
        z.record(z.string(), z.object({ until: z.number(), reason: z.string() })),
      );
      for (const [key, { reason }] of Object.entries(stored?.value ?? {})) remembered[key] = reason;
    }
    const refused = [zoneNamed(run.harness.simulator, withoutBotManagement)];
    expect(remembered).toEqual(
      Object.fromEntries(
        refused.map((zone) => [
          `firewall-bots|${zone.id}`,
          `zone '${zone.id}' does not have access to the field 'botscore'`,
        ]),
      ),
    );
    const zones = new Set(
      [...(await storedSeries(run, families)).keys()].map((key) => /zone="([^"]*)"/.exec(key)?.[1]),
    );
    expect([...zones]).toEqual(["example.com"]);
  });

  it("does not ask for a refused zone again on the next run, and keeps counting the others", async () => {
    const { harness } = run;
    harness.clock.advance(5 * 60_000);
    const zonesAsked: string[][] = [];
    const recording: typeof fetch = async (input, init) => {
      const body = typeof init?.body === "string" ? (JSON.parse(init.body) as { variables?: object }) : {};
      for (const [name, value] of Object.entries(body.variables ?? {})) {
        if (/^p\d+Zones$/.test(name)) zonesAsked.push(value as string[]);
      }
      return fetch(input, init);
    };
    const base = harness.runtime({ groups: [firewallBots] });
    const deps = createRuntime({
      config: base.config,
      token: "sim-token",
      store: harness.store,
      clock: () => harness.clock.now(),
      logger: base.logger,
      sleep: async (ms) => harness.clock.advance(ms),
      fetch: recording,
      groups: [firewallBots],
      snapshots: [],
    });
    const summaries = await Promise.all(
      harness.simulator.world.accounts.map((account) =>
        fetchAccount(deps, { id: account.id, name: account.name }),
      ),
    );
    expect(summaries.flatMap((summary) => summary.errors)).toEqual([]);
    const enterprise = zoneNamed(harness.simulator, "example.com");
    expect(zonesAsked).toEqual([[enterprise.id]]);
    expect(summaries.map((summary) => summary.graphqlRequests)).toEqual([1, 0]);
    expect(summaries.map((summary) => summary.datasetsRefused)).toEqual([0, 0]);
    // The Bot Management zone counted the five new minutes too: its counters are the truth over all 65.
    const [shard] = (await readAccountShards(harness.store, enterprise.accountId)).filter(
      (s) => s.scopeId === enterprise.id,
    );
    expect(shard?.cursor).toBe(run.to + 5 * 60);
    expectSameSeries(
      await storedSeries(run, families),
      expected({ ...run, to: run.to + 5 * 60 }, "example.com"),
    );
  });
});

describe("firewall-bots rows", () => {
  const row = (
    botScore: number,
    botScoreSrcName: string | null,
    count: number,
    clientCountryName = "US",
  ) => ({
    count,
    dimensions: { datetimeMinute: 600, botScore, botScoreSrcName, clientCountryName },
  });
  const zone = "example.com";

  it("adds the rows of one bucket, source and minute before counting; a missing source is unknown", () => {
    const samples = samplesByMinute(
      firewallBots,
      [row(12, "Heuristics", 2), row(25, "Heuristics", 3), row(5, "", 4, "DE"), row(7, null, 1, "DE")],
      { name: "zone", value: zone },
    );
    expect(Object.fromEntries([...(samples.get(600) ?? [])].map(([key, s]) => [key, s.value]))).toEqual({
      [seriesKey(detected, { zone, bot_score: "10-29", detection_source: "Heuristics" })]: 5,
      [seriesKey(detected, { zone, bot_score: "0-9", detection_source: "unknown" })]: 5,
      [seriesKey(byCountry, { zone, country: "US" })]: 5,
      [seriesKey(byCountry, { zone, country: "DE" })]: 5,
    });
  });
});
