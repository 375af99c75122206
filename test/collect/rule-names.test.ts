import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudflareApiError } from "../../lambda/cloudflare/errors.ts";
import { fetchRuleNames, ruleLabel } from "../../lambda/collect/rule-names.ts";
import { VirtualClock } from "../../local/simulator/clock.ts";
import { type Simulator, startSimulator } from "../../local/simulator/server.ts";
import type { FirewallRule, Zone } from "../../local/simulator/world.ts";
import { restClient } from "./rest-helpers.ts";

/** Firewall rule names from the rulesets API, read from the simulator's default world over HTTP. */

let simulator: Simulator;

beforeAll(async () => {
  simulator = await startSimulator({ clock: new VirtualClock(Date.parse("2026-03-10T12:00:00Z")) });
});
afterAll(async () => {
  await simulator.close();
});

function zoneNamed(name: string): Zone {
  const zone = simulator.world.zones.find((z) => z.name === name);
  if (!zone) throw new Error(`no zone ${name}`);
  return zone;
}

const rulesetIdsOf = (zone: Zone) => [...new Set(zone.firewallRules.map((rule) => rule.rulesetId))];
const namesOf = (rules: readonly FirewallRule[]) =>
  Object.fromEntries(rules.map((rule) => [rule.id, rule.description]));

describe("fetchRuleNames", () => {
  it("names every rule of every ruleset by its description: one list call and one call per ruleset", async () => {
    const zone = zoneNamed("example.com");
    const client = restClient(simulator);

    const names = await fetchRuleNames(client.rest, zone.id);

    expect(names).toEqual(namesOf(zone.firewallRules));
    expect(Object.values(names).sort()).toEqual([
      "Block bad bots",
      "Challenge admin paths",
      "Login rate limit",
      "SQLi - Common patterns",
    ]);
    expect(client.requests[0]).toBe(`/zones/${zone.id}/rulesets?page=1&per_page=50`);
    expect(client.requests.slice(1).sort()).toEqual(
      rulesetIdsOf(zone)
        .map((id) => `/zones/${zone.id}/rulesets/${id}`)
        .sort(),
    );
  });

  it("leaves out rules without a description, so their label is the rule ID", async () => {
    const zone = zoneNamed("example-shop.com");
    const [blank, spaces, ...described] = zone.firewallRules;
    if (!blank || !spaces) throw new Error("unexpected world");
    blank.description = "";
    spaces.description = "   ";

    const names = await fetchRuleNames(restClient(simulator).rest, zone.id);

    expect(names).toEqual(namesOf(described));
    expect(ruleLabel(names, blank.id)).toBe(blank.id);
    expect(ruleLabel(names, spaces.id)).toBe(spaces.id);
  });

  it("skips a ruleset that cannot be read and keeps the others", async () => {
    const zone = zoneNamed("example.com");
    const managed = zone.firewallRules.find((rule) => rule.source === "firewallManaged");
    if (!managed) throw new Error("no managed rule in the world");
    const forbiddenPath = `/zones/${zone.id}/rulesets/${managed.rulesetId}`;
    const client = restClient(simulator, {
      fetch: async (input, init) =>
        new URL(String(input)).pathname.endsWith(forbiddenPath)
          ? Response.json(
              {
                success: false,
                errors: [{ code: 10000, message: "Authentication error" }],
                messages: [],
                result: null,
              },
              { status: 403 },
            )
          : fetch(input, init),
    });

    const names = await fetchRuleNames(client.rest, zone.id);

    expect(names).toEqual(namesOf(zone.firewallRules.filter((rule) => rule.rulesetId !== managed.rulesetId)));
    expect(Object.keys(names)).toHaveLength(3);
    // Refused is final: not retried.
    expect(client.requests.filter((path) => path === forbiddenPath)).toHaveLength(1);
  });

  it("skips a ruleset deleted since the list (404)", async () => {
    const zone = zoneNamed("example.com");
    const [custom] = rulesetIdsOf(zone);
    const client = restClient(simulator, {
      fetch: async (input, init) =>
        new URL(String(input)).pathname.endsWith(`/rulesets/${custom}`)
          ? Response.json(
              {
                success: false,
                errors: [{ code: 7003, message: "Could not route" }],
                messages: [],
                result: null,
              },
              { status: 404 },
            )
          : fetch(input, init),
    });
    const names = await fetchRuleNames(client.rest, zone.id);
    expect(names).toEqual(namesOf(zone.firewallRules.filter((rule) => rule.rulesetId !== custom)));
  });

  it("throws when a ruleset fails for now, so the caller keeps the names it has", async () => {
    const zone = zoneNamed("example.com");
    const [, , rateLimit] = rulesetIdsOf(zone);
    const failingPath = `/zones/${zone.id}/rulesets/${rateLimit}`;
    const client = restClient(simulator, {
      // The edge's own error page, as Cloudflare answers when the API behind it is down.
      fetch: async (input, init) =>
        new URL(String(input)).pathname.endsWith(failingPath)
          ? new Response("<html><h1>502 Bad gateway</h1></html>", { status: 502 })
          : fetch(input, init),
    });
    const error = await fetchRuleNames(client.rest, zone.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect(error).toMatchObject({
      kind: "transient",
      status: 502,
      message: `GET ${failingPath}: HTTP 502, an HTML page instead of JSON; a failure on Cloudflare's side: retried, and what stays uncounted is counted by a later run`,
    });
    // Retried once (maxAttempts 2) before giving up.
    expect(client.requests.filter((path) => path === failingPath)).toHaveLength(2);
  });

  it("throws when the list of rulesets cannot be read", async () => {
    // The account-owned token cannot read the other account's zone.
    const zone = zoneNamed("sideproject.dev");
    const client = restClient(simulator, { token: "sim-account-token" });
    const error = await fetchRuleNames(client.rest, zone.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect(error).toMatchObject({ kind: "forbidden", status: 403, code: "10000" });
    expect(client.requests).toEqual([`/zones/${zone.id}/rulesets?page=1&per_page=50`]);
  });

  it("throws a CloudflareApiError naming the endpoint on a malformed list", async () => {
    const zone = zoneNamed("example.com");
    const client = restClient(simulator, {
      fetch: async () =>
        Response.json({ success: true, errors: [], messages: [], result: [{ name: "no id" }] }),
    });
    const error = await fetchRuleNames(client.rest, zone.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect((error as CloudflareApiError).message).toContain(
      `malformed result from /zones/${zone.id}/rulesets`,
    );
    expect((error as CloudflareApiError).message).toContain("id");
  });

  it("follows the list's cursor across pages", async () => {
    const zone = zoneNamed("sideproject.dev");
    // 60 more rulesets of one rule each: 63 rulesets, more than one page of 50.
    zone.firewallRules.push(
      ...Array.from({ length: 60 }, (_, i) => ({
        id: `extra-rule-${i}`,
        rulesetId: `extra-ruleset-${i}`,
        description: `Extra rule ${i}`,
        source: "firewallCustom",
      })),
    );
    expect(rulesetIdsOf(zone)).toHaveLength(63);
    const client = restClient(simulator);

    const names = await fetchRuleNames(client.rest, zone.id);

    expect(names).toEqual(namesOf(zone.firewallRules));
    expect(Object.keys(names)).toHaveLength(64);
    const lists = client.requests.filter((path) => path.startsWith(`/zones/${zone.id}/rulesets?`));
    expect(lists).toHaveLength(2);
    expect(lists[0]).toBe(`/zones/${zone.id}/rulesets?page=1&per_page=50`);
    expect(lists[1]).toMatch(new RegExp(`^/zones/${zone.id}/rulesets\\?cursor=[\\w-]+&per_page=50$`));
    expect(client.requests).toHaveLength(2 + 63);
  });
});

describe("ruleLabel", () => {
  const names = { "4814384a9e5d4991b9815dcfc25d2f1f": "Block bad bots" };

  it("gives the rule's name when known and its ID otherwise", () => {
    expect(ruleLabel(names, "4814384a9e5d4991b9815dcfc25d2f1f")).toBe("Block bad bots");
    expect(ruleLabel(names, "0123456789abcdef0123456789abcdef")).toBe("0123456789abcdef0123456789abcdef");
  });

  it("does not take names from Object's prototype", () => {
    expect(ruleLabel(names, "constructor")).toBe("constructor");
    expect(ruleLabel(names, "__proto__")).toBe("__proto__");
  });
});
