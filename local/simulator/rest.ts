import { hexId } from "./random.ts";
import type { Account, PlanId, Token, World, Zone } from "./world.ts";

/**
 * The REST endpoints an exporter uses, in Cloudflare's v4 envelope:
 * `{success, errors, messages, result, result_info}`.
 */
export interface RestResponse {
  status: number;
  body: unknown;
}

export interface RestRequest {
  method: string;
  /** Path below the API base, e.g. `/zones`. */
  path: string;
  query: URLSearchParams;
  token: Token | undefined;
  hasAuthorization: boolean;
}

interface ApiError {
  code: number;
  message: string;
  error_chain?: ApiError[];
}

export function restError(status: number, ...errors: ApiError[]): RestResponse {
  return { status, body: { success: false, errors, messages: [], result: null } };
}

function ok(result: unknown, messages: { code: number; message: string }[] = []): RestResponse {
  return { status: 200, body: { success: true, errors: [], messages, result } };
}

/** Cloudflare caps `per_page` (50 for zones) and pages from 1. */
function paginate<T>(
  items: readonly T[],
  query: URLSearchParams,
  defaultPerPage: number,
  maxPerPage: number,
): RestResponse {
  const perPage = Math.min(
    maxPerPage,
    Math.max(1, Number(query.get("per_page") ?? defaultPerPage) || defaultPerPage),
  );
  const page = Math.max(1, Number(query.get("page") ?? 1) || 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return {
    status: 200,
    body: {
      success: true,
      errors: [],
      messages: [],
      result: slice,
      result_info: {
        page,
        per_page: perPage,
        count: slice.length,
        total_count: items.length,
        total_pages: Math.max(1, Math.ceil(items.length / perPage)),
      },
    },
  };
}

/**
 * The rulesets list pages with an opaque `cursor` instead of page numbers: `result_info.cursor`
 * is there only while more items follow, and is passed back as `?cursor=`.
 */
function cursorPaginate<T>(
  items: readonly T[],
  query: URLSearchParams,
  defaultPerPage: number,
  maxPerPage: number,
): RestResponse {
  const perPage = Math.min(
    maxPerPage,
    Math.max(1, Number(query.get("per_page") ?? defaultPerPage) || defaultPerPage),
  );
  const cursor = query.get("cursor");
  const offset = cursor === null ? 0 : Number(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!Number.isInteger(offset) || offset < 0) {
    return restError(400, { code: 10001, message: "invalid cursor" });
  }
  const slice = items.slice(offset, offset + perPage);
  const next =
    offset + perPage < items.length ? Buffer.from(String(offset + perPage)).toString("base64url") : undefined;
  return {
    status: 200,
    body: {
      success: true,
      errors: [],
      messages: [],
      result: slice,
      result_info: { ...(next ? { cursor: next } : {}), per_page: perPage, count: slice.length },
    },
  };
}

const authenticationError = (status: number) =>
  restError(status, { code: 10000, message: "Authentication error" });
const noRoute = (path: string) =>
  restError(404, {
    code: 7003,
    message: `Could not route to ${path}, perhaps your object identifier is invalid?`,
  });

const plans: Record<PlanId, Record<string, unknown>> = {
  free: {
    id: "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
    name: "Free Website",
    price: 0,
    frequency: "",
    legacy_id: "free",
  },
  pro: { id: hexId("plan", "pro"), name: "Pro Website", price: 25, frequency: "monthly", legacy_id: "pro" },
  business: {
    id: hexId("plan", "business"),
    name: "Business Website",
    price: 250,
    frequency: "monthly",
    legacy_id: "business",
  },
  enterprise: {
    id: "94f3b7b768b0458b56d2cac4fe5ec0f9",
    name: "Enterprise Website",
    price: 0,
    frequency: "",
    legacy_id: "enterprise",
  },
};

function zoneJson(zone: Zone): Record<string, unknown> {
  return {
    id: zone.id,
    name: zone.name,
    status: "active",
    paused: false,
    type: "full",
    development_mode: 0,
    name_servers: ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
    account: { id: zone.accountId, name: zone.accountName },
    owner: { id: null, type: "organization", name: zone.accountName },
    plan: {
      ...plans[zone.plan],
      currency: "USD",
      is_subscribed: true,
      can_subscribe: zone.plan !== "enterprise",
      legacy_discount: false,
      externally_managed: zone.plan === "enterprise",
    },
    meta: { page_rule_quota: 3, phishing_detected: false },
    created_on: zone.createdOn,
    modified_on: zone.createdOn,
    activated_on: zone.createdOn,
  };
}

function accountJson(account: Account): Record<string, unknown> {
  return {
    id: account.id,
    name: account.name,
    type: account.type,
    created_on: "2023-11-02T10:00:00Z",
    settings: { enforce_twofactor: false, abuse_contact_email: null },
  };
}

export function handleRest(world: World, request: RestRequest): RestResponse {
  const { token, path, query } = request;
  if (!request.hasAuthorization) {
    return restError(400, {
      code: 9106,
      message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers",
    });
  }
  const verifying = path === "/user/tokens/verify" || /^\/accounts\/[^/]+\/tokens\/verify$/.test(path);
  if (token?.status !== "active") {
    // The verify endpoints say why a token is refused; everything else says only "Authentication error".
    return verifying
      ? restError(401, { code: 1000, message: "Invalid API Token" })
      : authenticationError(401);
  }
  if (request.method !== "GET") return restError(405, { code: 10405, message: "Method not allowed" });

  const segments = path.split("/").filter(Boolean);
  const readableAccount = (id: string | undefined) =>
    world.accounts.find((a) => a.id === id && token.accountIds.includes(a.id));
  const readableZone = (id: string | undefined) =>
    world.zones.find((z) => z.id === id && token.accountIds.includes(z.accountId));

  const [first, id, second, third, fourth, fifth] = segments;
  if (first === "user" && id === "tokens" && second === "verify" && segments.length === 3) {
    if (token.kind === "account") return restError(401, { code: 1000, message: "Invalid API Token" });
    return verified(token);
  }
  if (first === "accounts") {
    if (id === undefined) {
      if (token.kind === "account") {
        return restError(400, {
          code: 1001,
          message: "List accounts endpoint does not support account owned tokens.",
        });
      }
      const name = query.get("name");
      const accounts = world.accounts
        .filter((a) => token.accountIds.includes(a.id) && (!name || a.name === name))
        .sort((a, b) =>
          query.get("direction") === "desc" ? b.name.localeCompare(a.name) : a.name.localeCompare(b.name),
        );
      return paginate(accounts.map(accountJson), query, 20, 50);
    }
    const account = readableAccount(id);
    if (!account) return world.accounts.some((a) => a.id === id) ? authenticationError(403) : noRoute(path);
    if (second === undefined) return ok(accountJson(account));
    if (second === "tokens" && third === "verify" && segments.length === 4) {
      return token.kind === "account"
        ? verified(token)
        : restError(401, { code: 1000, message: "Invalid API Token" });
    }
    if (second === "load_balancers" && third === "pools") {
      if (fourth === undefined) return ok(account.pools.map((pool) => poolJson(pool)));
      const pool = account.pools.find((p) => p.id === fourth);
      if (!pool) return noRoute(path);
      if (fifth === undefined) return ok(poolJson(pool));
      if (fifth === "health") return ok({ pool_id: pool.id, pop_health: {} });
    }
    if (second === "logpush" && third === "jobs" && fourth === undefined)
      return ok(account.logpushJobs.map(logpushJobJson));
    if (second === "cfd_tunnel" && third === undefined) {
      const deleted = query.get("is_deleted");
      const tunnels = account.cloudflaredTunnels.filter(
        (tunnel) => deleted === null || String(tunnel.deleted) === deleted,
      );
      return paginate(tunnels.map(cloudflaredTunnelJson), query, 20, 1000);
    }
    return noRoute(path);
  }
  if (first === "zones") {
    if (id === undefined) return listZones(world, token, query);
    const zone = readableZone(id);
    if (!zone) return world.zones.some((z) => z.id === id) ? authenticationError(403) : noRoute(path);
    if (second === undefined) return ok(zoneJson(zone));
    if (second === "ssl" && third === "certificate_packs" && fourth === undefined) {
      const all = query.get("status") === "all";
      return paginate(
        zone.certificatePacks
          .filter((pack) => all || pack.status === "active")
          .map((pack) => certificatePackJson(pack, zone.id)),
        query,
        20,
        50,
      );
    }
    if (second === "load_balancers" && third === undefined)
      return ok(zone.loadBalancers.map((lb) => loadBalancerJson(lb, zone)));
    if (second === "rulesets") return rulesets(zone, third, path, query);
    if (second === "firewall" && third === "rules" && fourth === undefined) {
      const rules = zone.firewallRules
        .filter((rule) => rule.source === "firewallCustom")
        .map((rule) => ({
          id: rule.id,
          description: rule.description,
          action: "block",
          paused: false,
          filter: { id: hexId(rule.id) },
        }));
      return paginate(rules, query, 25, 100);
    }
    if (second === "logpush" && third === "jobs" && fourth === undefined)
      return ok(zone.logpushJobs.map(logpushJobJson));
    return noRoute(path);
  }
  return restError(404, { code: 7000, message: "No route for that URI" });
}

function verified(token: Token): RestResponse {
  return ok({ id: token.id, status: "active" }, [
    { code: 10000, message: "This API Token is valid and active" },
  ]);
}

function listZones(world: World, token: Token, query: URLSearchParams): RestResponse {
  const accountId = query.get("account.id");
  const name = query.get("name");
  const status = query.get("status");
  const zones = world.zones
    .filter(
      (zone) =>
        token.accountIds.includes(zone.accountId) &&
        (!accountId || zone.accountId === accountId) &&
        (!name || zone.name === name) &&
        (!status || status === "active"),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
  return paginate(zones.map(zoneJson), query, 20, 50);
}

function cloudflaredTunnelJson(tunnel: Account["cloudflaredTunnels"][number]): Record<string, unknown> {
  return {
    id: tunnel.id,
    name: tunnel.name,
    status: tunnel.status,
    tun_type: "cfd_tunnel",
    created_at: "2024-03-01T09:00:00Z",
    deleted_at: tunnel.deleted ? "2026-01-01T00:00:00Z" : null,
    connections: tunnel.connections.map((connection, index) => ({
      id: hexId(`${tunnel.id}-${index}`),
      colo_name: connection.coloName,
      is_pending_reconnect: connection.pendingReconnect,
      client_version: "2026.11.0",
      opened_at: "2026-11-01T00:00:00Z",
      origin_ip: "198.51.100.7",
    })),
  };
}

function poolJson(pool: Account["pools"][number]): Record<string, unknown> {
  return {
    id: pool.id,
    name: pool.name,
    enabled: true,
    minimum_origins: 1,
    monitor: pool.monitorId,
    check_regions: ["WNAM", "ENAM", "WEU"],
    origins: pool.origins.map((origin) => ({
      name: origin.name,
      address: origin.address,
      enabled: origin.enabled,
      weight: origin.weight,
      port: 443,
    })),
    created_on: "2024-03-01T09:00:00Z",
    modified_on: "2024-03-01T09:00:00Z",
  };
}

function loadBalancerJson(lb: Zone["loadBalancers"][number], zone: Zone): Record<string, unknown> {
  return {
    id: lb.id,
    name: lb.name,
    zone_name: zone.name,
    enabled: true,
    proxied: true,
    ttl: 30,
    steering_policy: lb.steeringPolicy,
    default_pools: lb.defaultPoolIds,
    fallback_pool: lb.fallbackPoolId,
    region_pools: lb.regionPoolIds,
    country_pools: lb.countryPoolIds,
    pop_pools: lb.popPoolIds,
    session_affinity: "none",
  };
}

function certificatePackJson(
  pack: Zone["certificatePacks"][number],
  zoneId: string,
): Record<string, unknown> {
  return {
    id: pack.id,
    type: pack.type,
    status: pack.status,
    hosts: pack.hosts,
    certificate_authority: pack.certificateAuthority,
    validation_method: "txt",
    validity_days: 90,
    primary_certificate: pack.certificates[0]?.id ?? null,
    certificates: pack.certificates.map((cert) => ({
      id: cert.id,
      hosts: cert.hosts,
      issuer: cert.issuer,
      status: cert.status,
      signature: "ECDSAWithSHA256",
      bundle_method: "ubiquitous",
      expires_on: cert.expiresOn,
      uploaded_on: cert.uploadedOn,
      zone_id: zoneId,
    })),
  };
}

function logpushJobJson(job: Zone["logpushJobs"][number]): Record<string, unknown> {
  return {
    id: job.id,
    name: job.name,
    dataset: job.dataset,
    enabled: true,
    destination_conf: `${job.destinationType}://logs-bucket/${job.dataset}`,
    kind: "",
    frequency: "high",
    last_complete: null,
    last_error: null,
    error_message: null,
  };
}

function rulesets(
  zone: Zone,
  rulesetId: string | undefined,
  path: string,
  query: URLSearchParams,
): RestResponse {
  const byRuleset = Map.groupBy(zone.firewallRules, (rule) => rule.rulesetId);
  const phaseOf = (source: string) =>
    source === "firewallManaged"
      ? "http_request_firewall_managed"
      : source === "ratelimit"
        ? "http_ratelimit"
        : "http_request_firewall_custom";
  const summary = [...byRuleset.entries()].map(([id, rules]) => ({
    id,
    name: rules[0]?.source === "firewallManaged" ? "Cloudflare Managed Ruleset" : "default",
    kind: rules[0]?.source === "firewallManaged" ? "managed" : "zone",
    phase: phaseOf(rules[0]?.source ?? ""),
    version: "3",
    last_updated: zone.createdOn,
  }));
  if (rulesetId === undefined) return cursorPaginate(summary, query, 20, 50);
  const rules = byRuleset.get(rulesetId);
  const head = summary.find((s) => s.id === rulesetId);
  if (!rules || !head) return noRoute(path);
  return ok({
    ...head,
    rules: rules.map((rule) => ({
      id: rule.id,
      description: rule.description,
      action: rule.source === "ratelimit" ? "block" : "managed_challenge",
      enabled: true,
      expression: "true",
    })),
  });
}
