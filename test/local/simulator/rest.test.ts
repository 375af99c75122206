import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../../local/simulator/clock.ts";
import { type Simulator, startSimulator } from "../../../local/simulator/server.ts";
import type { Account, WorldSpec, Zone } from "../../../local/simulator/world.ts";

/** REST behaviour of the Cloudflare API simulator, over real HTTP on 127.0.0.1. */

const start = Date.parse("2026-03-10T12:00:00Z");

interface ApiMessage {
  code: number;
  message: string;
  error_chain?: ApiMessage[];
}
interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages: number;
}
interface Envelope<T> {
  success: boolean;
  errors: ApiMessage[];
  messages: ApiMessage[];
  result: T;
  result_info?: ResultInfo;
}
interface Answer<T> {
  status: number;
  headers: Headers;
  body: Envelope<T>;
}

interface ZoneJson {
  id: string;
  name: string;
  status: string;
  account: { id: string; name: string };
  plan: { id: string; name: string; legacy_id: string; price: number };
}
interface AccountJson {
  id: string;
  name: string;
  type: string;
}
interface CertificatePackJson {
  id: string;
  type: string;
  status: string;
  hosts: string[];
  certificate_authority: string;
  primary_certificate: string | null;
  certificates: { id: string; hosts: string[]; issuer: string; status: string; zone_id: string }[];
}
interface LoadBalancerJson {
  id: string;
  name: string;
  zone_name: string;
  steering_policy: string;
  default_pools: string[];
  fallback_pool: string;
}
interface PoolJson {
  id: string;
  name: string;
  monitor: string;
  origins: { name: string; address: string; enabled: boolean; weight: number; port: number }[];
}
interface RulesetSummary {
  id: string;
  name: string;
  kind: string;
  phase: string;
}
interface RulesetJson extends RulesetSummary {
  rules: { id: string; description: string; action: string; enabled: boolean }[];
}
interface LogpushJobJson {
  id: number;
  name: string;
  dataset: string;
  enabled: boolean;
  destination_conf: string;
}

async function get<T>(
  simulator: Simulator,
  path: string,
  token: string | null = "sim-token",
): Promise<Answer<T>> {
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  const response = await fetch(`${simulator.baseUrl}${path}`, { headers });
  expect(response.headers.get("content-type")).toBe("application/json");
  return { status: response.status, headers: response.headers, body: (await response.json()) as Envelope<T> };
}

function zoneNamed(simulator: Simulator, name: string): Zone {
  const zone = simulator.world.zones.find((z) => z.name === name);
  if (!zone) throw new Error(`no zone ${name} in the world`);
  return zone;
}

function accountNamed(simulator: Simulator, name: string): Account {
  const account = simulator.world.accounts.find((a) => a.name === name);
  if (!account) throw new Error(`no account ${name} in the world`);
  return account;
}

const freePlanId = "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

describe("REST API on the default world", () => {
  let simulator: Simulator;

  beforeAll(async () => {
    simulator = await startSimulator({ clock: new VirtualClock(start) });
  });
  afterAll(async () => {
    await simulator.close();
  });

  it("listens on 127.0.0.1 below /client/v4", () => {
    expect(simulator.baseUrl).toBe(`http://127.0.0.1:${simulator.port}/client/v4`);
  });

  describe("envelope", () => {
    it("wraps a single object in {success, errors, messages, result} without result_info", async () => {
      const zone = zoneNamed(simulator, "example.com");
      const answer = await get<ZoneJson>(simulator, `/zones/${zone.id}`);
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body).sort()).toEqual(["errors", "messages", "result", "success"]);
      expect(answer.body.success).toBe(true);
      expect(answer.body.errors).toEqual([]);
      expect(answer.body.messages).toEqual([]);
      expect(answer.body.result).toMatchObject({
        id: zone.id,
        name: "example.com",
        status: "active",
        account: { id: zone.accountId, name: "Example Corp" },
        plan: {
          id: "94f3b7b768b0458b56d2cac4fe5ec0f9",
          name: "Enterprise Website",
          legacy_id: "enterprise",
        },
      });
    });

    it("adds result_info to list endpoints", async () => {
      const answer = await get<ZoneJson[]>(simulator, "/zones");
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body).sort()).toEqual([
        "errors",
        "messages",
        "result",
        "result_info",
        "success",
      ]);
      expect(answer.body.result_info).toEqual({
        page: 1,
        per_page: 20,
        count: 6,
        total_count: 6,
        total_pages: 1,
      });
      // Sorted by name.
      expect(answer.body.result.map((z) => z.name)).toEqual([
        "example-blog.net",
        "example-shop.com",
        "example.com",
        "example.org",
        "sideproject.app",
        "sideproject.dev",
      ]);
    });

    it("answers failures with success false, result null and coded errors", async () => {
      const answer = await get<null>(simulator, "/no/such/route");
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({
        success: false,
        errors: [{ code: 7000, message: "No route for that URI" }],
        messages: [],
        result: null,
      });
    });
  });

  describe("zones", () => {
    it("marks a Free zone with plan.legacy_id free and the well-known Free plan id", async () => {
      const zone = zoneNamed(simulator, "example.org");
      const answer = await get<ZoneJson>(simulator, `/zones/${zone.id}`);
      expect(answer.status).toBe(200);
      expect(answer.body.result.plan).toMatchObject({
        id: freePlanId,
        name: "Free Website",
        legacy_id: "free",
        price: 0,
      });
    });

    it("gives every Free zone in a list the Free plan, and no other zone", async () => {
      const answer = await get<ZoneJson[]>(simulator, "/zones");
      const free = answer.body.result.filter((z) => z.plan.legacy_id === "free").map((z) => z.name);
      expect(free).toEqual(["example.org", "sideproject.app"]);
      for (const zone of answer.body.result) {
        expect(zone.plan.id === freePlanId).toBe(zone.plan.legacy_id === "free");
      }
    });

    it("filters by account.id", async () => {
      const sideProject = accountNamed(simulator, "Side Project");
      const answer = await get<ZoneJson[]>(simulator, `/zones?account.id=${sideProject.id}`);
      expect(answer.status).toBe(200);
      expect(answer.body.result.map((z) => z.name)).toEqual(["sideproject.app", "sideproject.dev"]);
      expect(answer.body.result.map((z) => z.account.id)).toEqual([sideProject.id, sideProject.id]);
      expect(answer.body.result_info).toEqual({
        page: 1,
        per_page: 20,
        count: 2,
        total_count: 2,
        total_pages: 1,
      });
    });

    it("filters by name", async () => {
      const answer = await get<ZoneJson[]>(simulator, "/zones?name=example.org");
      expect(answer.body.result.map((z) => z.id)).toEqual([zoneNamed(simulator, "example.org").id]);
    });

    it("lists only the zones of the account an account-owned token belongs to", async () => {
      const answer = await get<ZoneJson[]>(simulator, "/zones", "sim-account-token");
      expect(answer.status).toBe(200);
      expect(answer.body.result.map((z) => z.name)).toEqual([
        "example-blog.net",
        "example-shop.com",
        "example.com",
        "example.org",
      ]);
      expect(answer.body.result_info?.total_count).toBe(4);
    });

    it("refuses a zone of another account with 403", async () => {
      const zone = zoneNamed(simulator, "sideproject.dev");
      const answer = await get<null>(simulator, `/zones/${zone.id}`, "sim-account-token");
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        success: false,
        errors: [{ code: 10000, message: "Authentication error" }],
        messages: [],
        result: null,
      });
    });

    it("answers an unknown zone with 404 and code 7003", async () => {
      const unknown = "0123456789abcdef0123456789abcdef";
      const answer = await get<null>(simulator, `/zones/${unknown}`);
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({
        success: false,
        errors: [
          {
            code: 7003,
            message: `Could not route to /zones/${unknown}, perhaps your object identifier is invalid?`,
          },
        ],
        messages: [],
        result: null,
      });
    });
  });

  describe("accounts", () => {
    it("lists the accounts a user token can read, sorted by name", async () => {
      const answer = await get<AccountJson[]>(simulator, "/accounts");
      expect(answer.status).toBe(200);
      expect(answer.body.result.map((a) => [a.id, a.name, a.type])).toEqual([
        [accountNamed(simulator, "Example Corp").id, "Example Corp", "enterprise"],
        [accountNamed(simulator, "Side Project").id, "Side Project", "standard"],
      ]);
      expect(answer.body.result_info).toEqual({
        page: 1,
        per_page: 20,
        count: 2,
        total_count: 2,
        total_pages: 1,
      });
    });

    it("refuses to list accounts for an account-owned token with code 1001", async () => {
      const answer = await get<null>(simulator, "/accounts", "sim-account-token");
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        success: false,
        errors: [{ code: 1001, message: "List accounts endpoint does not support account owned tokens." }],
        messages: [],
        result: null,
      });
    });

    it("lets an account-owned token read its own account", async () => {
      const account = accountNamed(simulator, "Example Corp");
      const answer = await get<AccountJson>(simulator, `/accounts/${account.id}`, "sim-account-token");
      expect(answer.status).toBe(200);
      expect(answer.body.result).toMatchObject({ id: account.id, name: "Example Corp", type: "enterprise" });
    });

    it("refuses another account to an account-owned token with 403", async () => {
      const account = accountNamed(simulator, "Side Project");
      const answer = await get<null>(simulator, `/accounts/${account.id}`, "sim-account-token");
      expect(answer.status).toBe(403);
      expect(answer.body.errors).toEqual([{ code: 10000, message: "Authentication error" }]);
    });
  });

  describe("authentication", () => {
    it("verifies an active user token with message code 10000", async () => {
      const token = simulator.world.tokens.find((t) => t.value === "sim-token");
      const answer = await get<{ id: string; status: string }>(simulator, "/user/tokens/verify");
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        success: true,
        errors: [],
        messages: [{ code: 10000, message: "This API Token is valid and active" }],
        result: { id: token?.id, status: "active" },
      });
    });

    it("verifies an account-owned token on /accounts/{id}/tokens/verify", async () => {
      const token = simulator.world.tokens.find((t) => t.value === "sim-account-token");
      const account = accountNamed(simulator, "Example Corp");
      const answer = await get<{ id: string; status: string }>(
        simulator,
        `/accounts/${account.id}/tokens/verify`,
        "sim-account-token",
      );
      expect(answer.status).toBe(200);
      expect(answer.body.result).toEqual({ id: token?.id, status: "active" });
      expect(answer.body.messages).toEqual([{ code: 10000, message: "This API Token is valid and active" }]);
    });

    it("answers the expired token with 401 and code 1000 on the verify endpoint", async () => {
      const answer = await get<null>(simulator, "/user/tokens/verify", "sim-expired-token");
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({
        success: false,
        errors: [{ code: 1000, message: "Invalid API Token" }],
        messages: [],
        result: null,
      });
    });

    it("answers an unknown token with 401", async () => {
      const answer = await get<null>(simulator, "/zones", "not-a-real-token");
      expect(answer.status).toBe(401);
      expect(answer.body.errors).toEqual([{ code: 10000, message: "Authentication error" }]);
    });

    it("answers a request without Authorization header with 400 and code 9106", async () => {
      const answer = await get<null>(simulator, "/zones", null);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        success: false,
        errors: [{ code: 9106, message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers" }],
        messages: [],
        result: null,
      });
    });

    it("refuses methods other than GET with 405", async () => {
      const response = await fetch(`${simulator.baseUrl}/zones`, {
        method: "POST",
        headers: { authorization: "Bearer sim-token", "content-type": "application/json" },
        body: "{}",
      });
      expect(response.status).toBe(405);
      expect(await response.json()).toEqual({
        success: false,
        errors: [{ code: 10405, message: "Method not allowed" }],
        messages: [],
        result: null,
      });
    });
  });

  describe("certificate packs", () => {
    it("lists a universal and an advanced pack on an Enterprise zone", async () => {
      const zone = zoneNamed(simulator, "example.com");
      const answer = await get<CertificatePackJson[]>(simulator, `/zones/${zone.id}/ssl/certificate_packs`);
      expect(answer.status).toBe(200);
      expect(answer.body.result_info).toEqual({
        page: 1,
        per_page: 20,
        count: 2,
        total_count: 2,
        total_pages: 1,
      });
      const packs = answer.body.result;
      expect(packs.map((p) => [p.id, p.type, p.status, p.certificate_authority])).toEqual(
        zone.certificatePacks.map((p) => [p.id, p.type, "active", p.certificateAuthority]),
      );
      expect(packs.map((p) => p.type)).toEqual(["universal", "advanced"]);
      expect(packs.map((p) => p.hosts)).toEqual([
        ["example.com", "*.example.com"],
        ["example.com", "api.example.com"],
      ]);
      expect(packs.map((p) => p.certificates.length)).toEqual([2, 1]);
      for (const pack of packs) {
        expect(pack.primary_certificate).toBe(pack.certificates[0]?.id);
        for (const certificate of pack.certificates) expect(certificate.zone_id).toBe(zone.id);
      }
    });

    it("lists only the universal pack on a Free zone, also with status=all", async () => {
      const zone = zoneNamed(simulator, "example.org");
      for (const query of ["", "?status=all"]) {
        const answer = await get<CertificatePackJson[]>(
          simulator,
          `/zones/${zone.id}/ssl/certificate_packs${query}`,
        );
        expect(answer.body.result.map((p) => [p.type, p.certificate_authority])).toEqual([
          ["universal", "google"],
        ]);
        expect(answer.body.result[0]?.certificates.map((c) => c.issuer)).toEqual([
          "GoogleTrustServices",
          "GoogleTrustServices",
        ]);
      }
    });
  });

  describe("load balancers and pools", () => {
    it("lists the load balancer of a zone with its pools", async () => {
      const zone = zoneNamed(simulator, "example.com");
      const account = accountNamed(simulator, "Example Corp");
      const poolId = (name: string) => account.pools.find((p) => p.name === name)?.id;
      const answer = await get<LoadBalancerJson[]>(simulator, `/zones/${zone.id}/load_balancers`);
      expect(answer.status).toBe(200);
      expect(answer.body.result).toHaveLength(1);
      expect(answer.body.result[0]).toMatchObject({
        id: zone.loadBalancers[0]?.id,
        name: "lb.example.com",
        zone_name: "example.com",
        steering_policy: "dynamic_latency",
        default_pools: [poolId("example.com-primary"), poolId("example.com-secondary")],
        fallback_pool: poolId("example.com-secondary"),
      });
    });

    it("steers by nothing but the default pools unless the world says so", async () => {
      const zone = zoneNamed(simulator, "example.com");
      const answer = await get<LoadBalancerJson[]>(simulator, `/zones/${zone.id}/load_balancers`);
      expect(answer.body.result[0]).toMatchObject({ region_pools: {}, country_pools: {}, pop_pools: {} });
    });

    it("lists no load balancer on a zone without load balancing", async () => {
      const zone = zoneNamed(simulator, "example.org");
      const answer = await get<LoadBalancerJson[]>(simulator, `/zones/${zone.id}/load_balancers`);
      expect(answer.status).toBe(200);
      expect(answer.body.result).toEqual([]);
    });

    it("lists the account's pools with their origins", async () => {
      const account = accountNamed(simulator, "Example Corp");
      const answer = await get<PoolJson[]>(simulator, `/accounts/${account.id}/load_balancers/pools`);
      expect(answer.status).toBe(200);
      expect(answer.body.result.map((p) => p.name)).toEqual([
        "example.com-primary",
        "example.com-secondary",
        "example-shop.com-primary",
        "example-shop.com-secondary",
      ]);
      expect(answer.body.result.map((p) => [p.id, p.monitor])).toEqual(
        account.pools.map((p) => [p.id, p.monitorId]),
      );
      expect(answer.body.result[0]?.origins).toEqual([
        {
          name: "example.com-primary-origin-1",
          address: "origin-1.example.com-primary.internal.example",
          enabled: true,
          weight: 0.7,
          port: 443,
        },
        {
          name: "example.com-primary-origin-2",
          address: "origin-2.example.com-primary.internal.example",
          enabled: true,
          weight: 0.3,
          port: 443,
        },
      ]);
    });

    it("answers one pool and its health, and 404 for an unknown pool", async () => {
      const account = accountNamed(simulator, "Example Corp");
      const pool = account.pools[1];
      if (!pool) throw new Error("Example Corp has no second pool");
      const one = await get<PoolJson>(simulator, `/accounts/${account.id}/load_balancers/pools/${pool.id}`);
      expect(one.status).toBe(200);
      expect(one.body.result).toMatchObject({ id: pool.id, name: "example.com-secondary" });
      const health = await get<{ pool_id: string }>(
        simulator,
        `/accounts/${account.id}/load_balancers/pools/${pool.id}/health`,
      );
      expect(health.status).toBe(200);
      expect(health.body.result).toEqual({ pool_id: pool.id, pop_health: {} });
      const unknown = await get<null>(simulator, `/accounts/${account.id}/load_balancers/pools/ffff`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.errors[0]?.code).toBe(7003);
    });

    it("lists no pools for an account without load balancing", async () => {
      const account = accountNamed(simulator, "Side Project");
      const answer = await get<PoolJson[]>(simulator, `/accounts/${account.id}/load_balancers/pools`);
      expect(answer.status).toBe(200);
      expect(answer.body.result).toEqual([]);
    });
  });

  describe("rulesets", () => {
    it("lists one ruleset per firewall source of the zone", async () => {
      const zone = zoneNamed(simulator, "example.com");
      const answer = await get<RulesetSummary[]>(simulator, `/zones/${zone.id}/rulesets`);
      expect(answer.status).toBe(200);
      const rulesetIds = [...new Set(zone.firewallRules.map((r) => r.rulesetId))];
      expect(answer.body.result.map((r) => [r.id, r.name, r.kind, r.phase])).toEqual([
        [rulesetIds[0], "default", "zone", "http_request_firewall_custom"],
        [rulesetIds[1], "Cloudflare Managed Ruleset", "managed", "http_request_firewall_managed"],
        [rulesetIds[2], "default", "zone", "http_ratelimit"],
      ]);
    });

    it("returns each ruleset's rules with the world's rule ids and descriptions", async () => {
      const zone = zoneNamed(simulator, "example.com");
      const rulesetIds = [...new Set(zone.firewallRules.map((r) => r.rulesetId))];
      expect(rulesetIds).toHaveLength(3);
      const described: string[][] = [];
      for (const rulesetId of rulesetIds) {
        const answer = await get<RulesetJson>(simulator, `/zones/${zone.id}/rulesets/${rulesetId}`);
        expect(answer.status).toBe(200);
        expect(answer.body.result.id).toBe(rulesetId);
        expect(answer.body.result.rules.map((r) => [r.id, r.description])).toEqual(
          zone.firewallRules.filter((r) => r.rulesetId === rulesetId).map((r) => [r.id, r.description]),
        );
        described.push(answer.body.result.rules.map((r) => r.description));
      }
      expect(described).toEqual([
        ["Block bad bots", "Challenge admin paths"],
        ["SQLi - Common patterns"],
        ["Login rate limit"],
      ]);
    });

    it("pages the rulesets list with an opaque cursor, present only while more follow", async () => {
      const zone = zoneNamed(simulator, "example.com");
      const rulesetIds = [...new Set(zone.firewallRules.map((r) => r.rulesetId))];
      const first = await get<RulesetSummary[]>(simulator, `/zones/${zone.id}/rulesets?per_page=2`);
      expect(first.status).toBe(200);
      expect(first.body.result.map((r) => r.id)).toEqual(rulesetIds.slice(0, 2));
      const cursor = (first.body.result_info as { cursor?: string } | undefined)?.cursor;
      expect(first.body.result_info).toEqual({ cursor, per_page: 2, count: 2 });
      expect(cursor).toMatch(/^[\w-]+$/);
      const second = await get<RulesetSummary[]>(
        simulator,
        `/zones/${zone.id}/rulesets?per_page=2&cursor=${cursor}`,
      );
      expect(second.body.result.map((r) => r.id)).toEqual(rulesetIds.slice(2));
      expect(second.body.result_info).toEqual({ per_page: 2, count: 1 });
      const invalid = await get<null>(simulator, `/zones/${zone.id}/rulesets?cursor=not-a-cursor`);
      expect(invalid.status).toBe(400);
    });

    it("answers an unknown ruleset with 404 and code 7003", async () => {
      const zone = zoneNamed(simulator, "example.com");
      const answer = await get<null>(
        simulator,
        `/zones/${zone.id}/rulesets/ffffffffffffffffffffffffffffffff`,
      );
      expect(answer.status).toBe(404);
      expect(answer.body.errors[0]?.code).toBe(7003);
    });

    it("lists the custom firewall rules on /firewall/rules", async () => {
      const zone = zoneNamed(simulator, "example.com");
      const answer = await get<{ id: string; description: string }[]>(
        simulator,
        `/zones/${zone.id}/firewall/rules`,
      );
      expect(answer.status).toBe(200);
      expect(answer.body.result.map((r) => [r.id, r.description])).toEqual(
        zone.firewallRules.filter((r) => r.source === "firewallCustom").map((r) => [r.id, r.description]),
      );
      expect(answer.body.result_info).toEqual({
        page: 1,
        per_page: 25,
        count: 2,
        total_count: 2,
        total_pages: 1,
      });
    });
  });

  describe("logpush jobs", () => {
    it("lists the account's Logpush job", async () => {
      const account = accountNamed(simulator, "Example Corp");
      const answer = await get<LogpushJobJson[]>(simulator, `/accounts/${account.id}/logpush/jobs`);
      expect(answer.status).toBe(200);
      expect(answer.body.result).toHaveLength(1);
      expect(answer.body.result[0]).toMatchObject({
        id: 1000,
        name: "audit-logs",
        dataset: "audit_logs",
        enabled: true,
        destination_conf: "r2://logs-bucket/audit_logs",
      });
      expect(answer.body.result_info).toBeUndefined();
    });

    it("lists an Enterprise zone's Logpush job and none on a Free zone", async () => {
      const enterprise = zoneNamed(simulator, "example.com");
      const answer = await get<LogpushJobJson[]>(simulator, `/zones/${enterprise.id}/logpush/jobs`);
      expect(answer.status).toBe(200);
      expect(answer.body.result).toHaveLength(1);
      expect(answer.body.result[0]).toMatchObject({
        id: 1001,
        name: "http-example.com",
        dataset: "http_requests",
        enabled: true,
        destination_conf: "s3://logs-bucket/http_requests",
      });
      const free = zoneNamed(simulator, "example.org");
      const none = await get<LogpushJobJson[]>(simulator, `/zones/${free.id}/logpush/jobs`);
      expect(none.body.result).toEqual([]);
    });

    it("lists no Logpush job for an account without Logpush", async () => {
      const account = accountNamed(simulator, "Side Project");
      const answer = await get<LogpushJobJson[]>(simulator, `/accounts/${account.id}/logpush/jobs`);
      expect(answer.body.result).toEqual([]);
    });
  });
});

describe("REST load balancer with region, country and PoP steering", () => {
  let simulator: Simulator;

  beforeAll(async () => {
    simulator = await startSimulator({
      world: {
        seed: "steering-test",
        accounts: [
          { name: "Steering", zones: [{ name: "steered.example", plan: "enterprise", lbSteering: true }] },
        ],
        tokens: [{ value: "sim-token" }],
      },
      clock: new VirtualClock(start),
    });
  });
  afterAll(async () => {
    await simulator.close();
  });

  it("names a third pool in the steering maps and the primary pool under a region too", async () => {
    const zone = zoneNamed(simulator, "steered.example");
    const account = accountNamed(simulator, "Steering");
    const poolId = (name: string) => account.pools.find((p) => p.name === name)?.id;
    const [primary, secondary, eu] = ["primary", "secondary", "eu"].map((role) =>
      poolId(`steered.example-${role}`),
    );
    const answer = await get<LoadBalancerJson[]>(simulator, `/zones/${zone.id}/load_balancers`);
    expect(answer.body.result).toHaveLength(1);
    expect(answer.body.result[0]).toMatchObject({
      default_pools: [primary, secondary],
      fallback_pool: secondary,
      region_pools: { WEU: [eu, primary], EEU: [eu] },
      country_pools: { DE: [eu] },
      pop_pools: { FRA: [eu] },
    });
  });

  it("lists the third pool with its second origin disabled", async () => {
    const account = accountNamed(simulator, "Steering");
    const answer = await get<PoolJson[]>(simulator, `/accounts/${account.id}/load_balancers/pools`);
    expect(answer.body.result.map((p) => p.name)).toEqual([
      "steered.example-primary",
      "steered.example-secondary",
      "steered.example-eu",
    ]);
    expect(answer.body.result[2]?.origins.map((o) => [o.name, o.enabled, o.weight])).toEqual([
      ["steered.example-eu-origin-1", true, 0.7],
      ["steered.example-eu-origin-2", false, 0.3],
    ]);
  });
});

describe("REST /zones pagination", () => {
  const bigZoneNames = Array.from({ length: 60 }, (_, i) => `zone-${String(i + 1).padStart(2, "0")}.example`);
  const spec: WorldSpec = {
    seed: "pagination-test",
    accounts: [
      { name: "Big Account", zones: bigZoneNames.map((name) => ({ name, plan: "free" as const })) },
      {
        name: "Small Account",
        zones: [
          { name: "small-a.example", plan: "pro" },
          { name: "small-b.example", plan: "free" },
        ],
      },
    ],
    tokens: [{ value: "sim-token" }],
  };
  let simulator: Simulator;
  let bigAccountId: string;

  beforeAll(async () => {
    simulator = await startSimulator({ world: spec, clock: new VirtualClock(start) });
    bigAccountId = accountNamed(simulator, "Big Account").id;
  });
  afterAll(async () => {
    await simulator.close();
  });

  it("caps per_page at 50 and splits 60 zones into two pages listing each zone once", async () => {
    const page1 = await get<ZoneJson[]>(simulator, `/zones?account.id=${bigAccountId}&per_page=100&page=1`);
    const page2 = await get<ZoneJson[]>(simulator, `/zones?account.id=${bigAccountId}&per_page=100&page=2`);
    expect(page1.status).toBe(200);
    expect(page2.status).toBe(200);
    expect(page1.body.result_info).toEqual({
      page: 1,
      per_page: 50,
      count: 50,
      total_count: 60,
      total_pages: 2,
    });
    expect(page2.body.result_info).toEqual({
      page: 2,
      per_page: 50,
      count: 10,
      total_count: 60,
      total_pages: 2,
    });
    const listed = [...page1.body.result, ...page2.body.result].map((z) => z.name);
    expect(listed).toEqual(bigZoneNames);
    expect(new Set(listed).size).toBe(60);
    const ids = [...page1.body.result, ...page2.body.result].map((z) => z.id).sort();
    expect(ids).toEqual(
      simulator.world.zones
        .filter((z) => z.accountId === bigAccountId)
        .map((z) => z.id)
        .sort(),
    );
  });

  it("pages by 20 by default", async () => {
    const counts: number[] = [];
    for (const page of [1, 2, 3]) {
      const answer = await get<ZoneJson[]>(simulator, `/zones?account.id=${bigAccountId}&page=${page}`);
      expect(answer.body.result_info).toEqual({
        page,
        per_page: 20,
        count: 20,
        total_count: 60,
        total_pages: 3,
      });
      counts.push(answer.body.result.length);
      expect(answer.body.result.map((z) => z.name)).toEqual(bigZoneNames.slice((page - 1) * 20, page * 20));
    }
    expect(counts).toEqual([20, 20, 20]);
  });

  it("answers a page past the end with an empty result", async () => {
    const answer = await get<ZoneJson[]>(simulator, `/zones?account.id=${bigAccountId}&per_page=50&page=3`);
    expect(answer.status).toBe(200);
    expect(answer.body.result).toEqual([]);
    expect(answer.body.result_info).toEqual({
      page: 3,
      per_page: 50,
      count: 0,
      total_count: 60,
      total_pages: 2,
    });
  });

  it("counts every readable zone without the account.id filter", async () => {
    const answer = await get<ZoneJson[]>(simulator, "/zones?per_page=50");
    expect(answer.body.result_info).toEqual({
      page: 1,
      per_page: 50,
      count: 50,
      total_count: 62,
      total_pages: 2,
    });
  });

  it("filters the other account's zones by account.id", async () => {
    const small = accountNamed(simulator, "Small Account");
    const answer = await get<ZoneJson[]>(simulator, `/zones?account.id=${small.id}&per_page=50`);
    expect(answer.body.result.map((z) => [z.name, z.plan.legacy_id])).toEqual([
      ["small-a.example", "pro"],
      ["small-b.example", "free"],
    ]);
    expect(answer.body.result_info).toEqual({
      page: 1,
      per_page: 50,
      count: 2,
      total_count: 2,
      total_pages: 1,
    });
  });
});

describe("REST request budget", () => {
  const clock = new VirtualClock(start);
  let simulator: Simulator;

  beforeAll(async () => {
    simulator = await startSimulator({ clock, restBudget: { limit: 5, windowSeconds: 300 } });
  });
  afterAll(async () => {
    await simulator.close();
  });

  const graphqlZones = async (): Promise<number> => {
    const zoneTag = simulator.world.zones[0]?.id;
    const response = await fetch(`${simulator.baseUrl}/graphql`, {
      method: "POST",
      headers: { authorization: "Bearer sim-token", "content-type": "application/json" },
      body: JSON.stringify({ query: `{ viewer { zones(filter: {zoneTag: "${zoneTag}"}) { zoneTag } } }` }),
    });
    await response.arrayBuffer();
    return response.status;
  };

  it("admits 5 requests in 300 s, blocks the 6th with 429/971 and Retry-After 300 until the block ends", async () => {
    const policy = '"default";q=5;w=300';
    const seen: [number, string | null, string | null, string | null][] = [];
    const call = async (token = "sim-token") => {
      const answer = await get<unknown>(simulator, "/zones", token);
      seen.push([
        answer.status,
        answer.headers.get("ratelimit"),
        answer.headers.get("ratelimit-policy"),
        answer.headers.get("retry-after"),
      ]);
      return answer;
    };

    await call();
    await call();
    await call();
    clock.advance(100_000);
    await call();
    await call();
    expect(seen).toEqual([
      [200, '"default";r=4;t=300', policy, null],
      [200, '"default";r=3;t=300', policy, null],
      [200, '"default";r=2;t=300', policy, null],
      [200, '"default";r=1;t=200', policy, null],
      [200, '"default";r=0;t=200', policy, null],
    ]);

    const refused = await call();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("300");
    expect(refused.body).toEqual({
      success: false,
      errors: [
        {
          code: 971,
          message:
            "More than 5 requests per 300 seconds reached. Please wait and consider throttling your request speed",
        },
      ],
      messages: [],
      result: null,
    });
    expect(seen.at(-1)).toEqual([429, '"default";r=0;t=300', policy, "300"]);

    // Every call stays refused while the block lasts, even after the window of the first hits.
    clock.advance(200_000);
    const stillBlocked = await call();
    expect(stillBlocked.status).toBe(429);
    expect(stillBlocked.headers.get("retry-after")).toBe("100");
    expect(stillBlocked.body.errors[0]?.code).toBe(971);

    clock.advance(99_000);
    const lastSecond = await call();
    expect(lastSecond.status).toBe(429);
    expect(lastSecond.headers.get("retry-after")).toBe("1");

    // The budget is per token, and GraphQL has its own budget.
    const other = await call("sim-account-token");
    expect(other.status).toBe(200);
    expect(other.headers.get("ratelimit")).toBe('"default";r=4;t=300');
    expect(await graphqlZones()).toBe(200);

    clock.advance(1_000);
    const again = await call();
    expect(again.status).toBe(200);
    expect(again.body.success).toBe(true);
    expect(again.headers.get("retry-after")).toBeNull();
    expect(again.headers.get("ratelimit")).toBe('"default";r=4;t=300');
  });
});
