import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firewallEvents } from "../../../lambda/catalogue/groups/firewall-events.ts";
import { seriesKey } from "../../../lambda/catalogue/series-key.ts";
import { samplesByMinute } from "../../../lambda/collect/accumulate.ts";
import type { Simulator } from "../../../local/simulator/server.ts";
import type { OneMinute } from "../../collect/group-test.ts";
import {
  add,
  countMinutes,
  expectNoErrors,
  expectSameSeries,
  storedSeries,
  truthRows,
  zoneNamed,
} from "./zone-dataset-truth.ts";

/**
 * `firewall-events` against the simulator over half an hour (firewall events are a few
 * percent of requests, so one minute has too few to show much): every stored series
 * compared with the ground truth of `firewallEventsAdaptiveGroups`. Labels by hand:
 * action → `action`, source → `source`, rule → the description of rule `ruleId` in the
 * world (its ID when it has none), host → `clientRequestHTTPHost`, country →
 * `clientCountryName`.
 */
const dataset = "firewallEventsAdaptiveGroups";
const family = "cloudflare_zone_firewall_events_total";
const minutes = 30;
/** Zones whose plan has the dataset (Free zones are refused it and skipped). */
const paidZones = ["example.com", "example-shop.com", "example-blog.net", "sideproject.dev"];

function expected(run: OneMinute, options: { hosts: boolean }): Map<string, number> {
  const simulator = run.harness.simulator;
  const out = new Map<string, number>();
  for (const name of paidZones) {
    const zone = zoneNamed(simulator, name);
    const ruleName = (id: string) => zone.firewallRules.find((rule) => rule.id === id)?.description || id;
    const rows = truthRows(simulator, {
      dataset,
      zoneTag: zone.id,
      from: run.from,
      to: run.to,
      by: [
        "action",
        "source",
        "ruleId",
        "clientCountryName",
        ...(options.hosts ? ["clientRequestHTTPHost"] : []),
      ],
      fields: ["count"],
    });
    for (const { dims, values } of rows) {
      const labels = {
        zone: zone.name,
        action: dims.action ?? "",
        source: dims.source ?? "",
        rule: ruleName(dims.ruleId ?? ""),
        country: dims.clientCountryName ?? "",
        ...(options.hosts ? { host: dims.clientRequestHTTPHost ?? "" } : {}),
      };
      add(out, seriesKey(family, labels), values.count ?? 0);
    }
  }
  return out;
}

describe("firewall-events (default world)", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countMinutes(firewallEvents, minutes);
  });
  afterAll(() => run.harness.close());

  it("counts every series of every paid zone exactly, and nothing for free zones", async () => {
    expectNoErrors(run);
    const want = expected(run, { hosts: true });
    for (const zone of paidZones) {
      expect(
        [...want.keys()].some((key) => key.includes(`zone="${zone}"`)),
        zone,
      ).toBe(true);
    }
    expectSameSeries(await storedSeries(run, [family]), want);
  });

  it("labels rules by their names", async () => {
    const rules = new Set(
      [...(await storedSeries(run, [family])).keys()].map((key) => /rule="([^"]*)"/.exec(key)?.[1]),
    );
    expect([...rules].sort()).toEqual([
      "Block bad bots",
      "Challenge admin paths",
      "Login rate limit",
      "SQLi - Common patterns",
    ]);
  });
});

describe("firewall-events with EXCLUDE_HOST", () => {
  let run: OneMinute;
  beforeAll(async () => {
    run = await countMinutes(firewallEvents, minutes, { env: { EXCLUDE_HOST: "true" } });
  });
  afterAll(() => run.harness.close());

  it("adds the rows of all hosts before counting: each series is the ground truth over every host", async () => {
    expectNoErrors(run);
    const want = expected(run, { hosts: false });
    expectSameSeries(await storedSeries(run, [family]), want);
    // Not vacuous: some series takes events from more than one host.
    const simulator = run.harness.simulator;
    const zone = zoneNamed(simulator, "example.com");
    const merged = truthRows(simulator, {
      dataset,
      zoneTag: zone.id,
      from: run.from,
      to: run.to,
      by: ["action", "source", "ruleId", "clientCountryName", "clientRequestHTTPHost"],
      fields: [],
    });
    const hostsPerSeries = new Map<string, number>();
    for (const { dims } of merged) {
      const key = [dims.action, dims.source, dims.ruleId, dims.clientCountryName].join("|");
      hostsPerSeries.set(key, (hostsPerSeries.get(key) ?? 0) + 1);
    }
    expect(Math.max(...hostsPerSeries.values())).toBeGreaterThan(1);
  });
});

describe("firewall-events with two rules of one name", () => {
  let run: OneMinute;
  let simulator: Simulator;
  const shared = "Block bad bots";
  beforeAll(async () => {
    // Two hours, so that both rules have events on one series (same action, country and host).
    run = await countMinutes(firewallEvents, 120, {
      before: (harness) => {
        // The second custom rule of example.com is renamed like the first, before its names are read.
        const rules = zoneNamed(harness.simulator, "example.com").firewallRules;
        const second = rules[1];
        if (!second || rules[0]?.description !== shared) throw new Error("unexpected world");
        second.description = shared;
      },
    });
    simulator = run.harness.simulator;
  });
  afterAll(() => run.harness.close());

  it("counts both rules on one series: their events add", async () => {
    expectNoErrors(run);
    const zone = zoneNamed(simulator, "example.com");
    const [first, second] = zone.firewallRules;
    const want = expected(run, { hosts: true });
    expectSameSeries(await storedSeries(run, [family]), want);
    // Not vacuous: some series of the shared name has events of both rule IDs.
    const both = truthRows(simulator, {
      dataset,
      zoneTag: zone.id,
      from: run.from,
      to: run.to,
      where: { ruleId: [first?.id ?? "", second?.id ?? ""] },
      by: ["action", "source", "clientCountryName", "clientRequestHTTPHost", "ruleId"],
      fields: [],
    });
    const rulesPerSeries = new Map<string, number>();
    for (const { dims } of both) {
      const key = [dims.action, dims.source, dims.clientCountryName, dims.clientRequestHTTPHost].join("|");
      rulesPerSeries.set(key, (rulesPerSeries.get(key) ?? 0) + 1);
    }
    expect(Math.max(...rulesPerSeries.values())).toBe(2);
  });
});

describe("firewall-events rows", () => {
  const row = (ruleId: string, count: number) => ({
    count,
    dimensions: {
      datetimeMinute: 600,
      action: "block",
      source: "firewallCustom",
      ruleId,
      clientRequestHTTPHost: "example.com",
      clientCountryName: "US",
    },
  });
  const scope = { name: "zone" as const, value: "example.com" };
  const key = (rule: string) =>
    seriesKey(family, {
      action: "block",
      source: "firewallCustom",
      rule,
      host: "example.com",
      country: "US",
      zone: "example.com",
    });

  it("adds two rule IDs with one name before counting", () => {
    const samples = samplesByMinute(firewallEvents, [row("r1", 3), row("r2", 4), row("r3", 5)], scope, {
      excludeHost: false,
      httpStatusGroup: false,
      ruleNames: { r1: "Block bad bots", r2: "Block bad bots" },
    });
    expect(Object.fromEntries([...(samples.get(600) ?? [])].map(([k, s]) => [k, s.value]))).toEqual({
      [key("Block bad bots")]: 7,
      [key("r3")]: 5,
    });
  });

  it("skips rows without events", () => {
    const samples = samplesByMinute(firewallEvents, [row("r1", 0)], scope);
    expect(samples.get(600)?.size).toBe(0);
  });
});
