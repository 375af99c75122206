import { gunzipSync } from "node:zlib";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { counter } from "../../lambda/catalogue/query-group.ts";
import { loadConfig } from "../../lambda/config/config.ts";
import { staticConfigProvider } from "../../lambda/config/provider.ts";
import { renderText } from "../../lambda/exposition/text.ts";
import { toHttpRequest, toResult } from "../../lambda/handlers/serve.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { createApp, type HttpRequest } from "../../lambda/serve/app.ts";
import { checkAuthorization } from "../../lambda/serve/auth.ts";
import { buildFamilies } from "../../lambda/serve/families.ts";
import type { StoredState } from "../../lambda/serve/state.ts";

const now = Date.UTC(2026, 10, 20, 12, 0, 30);
const minute = (n: number) => now / 1000 - 30 - 360 + n * 60;

function state(series: Record<string, { v: number; f: number; b: number }>, cursor = minute(0)): StoredState {
  return {
    accounts: [
      {
        account: { id: "a".repeat(32), name: "Example Corp" },
        zones: [{ id: "z".repeat(32), name: "example.com", plan: "pro", settings: {} }],
        shards: [
          {
            group: "test",
            scopeId: "z".repeat(32),
            index: 0,
            cursor,
            start: minute(-60),
            series,
            lostMinutes: 2,
            dropped: {},
            stored: true,
          },
        ],
        status: {
          errors: new Map([["forbidden:authz", 3]]),
          graphqlRequests: 42,
          restRequests: 7,
          rateLimitEvents: 1,
          lastRun: { finishedAt: now - 20_000, minutesCounted: 1, errorCount: 0 },
        },
      },
    ],
  };
}

const registry = new Map([
  ["test_requests_total", counter("test_requests_total", "Requests", ["host", "status"])],
]);
const build = { version: "1.2.3", runtime: "v24" };

function testSeries(name: string, host: string, status: string) {
  return `${name}{host="${host}",status="${status}",zone="example.com"}`;
}

describe("output options", () => {
  it("export stored series as they are (label options apply before counting) and leave out denied families", () => {
    const config = loadConfig({
      EXCLUDE_HOST: "true",
      CF_HTTP_STATUS_GROUP: "true",
      METRICS_DENYLIST: "cloudflare_exporter_build_info",
    });
    const stored = state({
      [testSeries("test_requests_total", "a.example.com", "200")]: { v: 100, f: minute(-60), b: minute(-1) },
    });
    const text = renderText(buildFamilies(stored, config, build, registry));
    expect(text.split("\n").filter((line) => line.startsWith("test_requests_total"))).toEqual([
      'test_requests_total{host="a.example.com",status="200",zone="example.com"} 100',
    ]);
    expect(text).not.toContain("cloudflare_exporter_build_info");
  });
});

describe("self-metrics", () => {
  it("come from stored state: counted range, lost minutes, errors and API usage", () => {
    const text = renderText(buildFamilies(state({}), loadConfig({}), build, registry));
    const labels = 'account="Example Corp",query="test",zone="example.com"';
    for (const line of [
      "cloudflare_exporter_up 1",
      'cloudflare_exporter_build_info{runtime="v24",version="1.2.3"} 1',
      "cloudflare_accounts 1",
      "cloudflare_zones 1",
      "cloudflare_zones_processed 1",
      "cloudflare_zones_skipped_free_tier 0",
      'cloudflare_exporter_errors_total{account="Example Corp",code="forbidden:authz"} 3',
      'cloudflare_exporter_cloudflare_requests_total{account="Example Corp",api="graphql"} 42',
      'cloudflare_exporter_cloudflare_requests_total{account="Example Corp",api="rest"} 7',
      'cloudflare_exporter_rate_limit_events_total{account="Example Corp"} 1',
      `cloudflare_exporter_collected_from_timestamp_seconds{${labels}} ${minute(-60)}`,
      `cloudflare_exporter_collected_until_timestamp_seconds{${labels}} ${minute(0)}`,
      `cloudflare_exporter_lost_seconds_total{${labels}} 120`,
    ]) {
      expect(text.split("\n")).toContain(line);
    }
  });
});

describe("the data age", () => {
  it("is exported per zone at the scrape's time: from the end of its counted range to now", () => {
    const at = (nowMs?: number) =>
      renderText(buildFamilies(state({}), loadConfig({}), build, registry, nowMs))
        .split("\n")
        .filter((line) => line.startsWith("cloudflare_exporter_data_age_seconds"));
    // The stored cursor is 6.5 minutes before `now` (5 minutes' scrape delay and the minute under way).
    expect(at(now)).toEqual([
      'cloudflare_exporter_data_age_seconds{account="Example Corp",zone="example.com"} 390',
    ]);
    expect(at(now + 600_000)).toEqual([
      'cloudflare_exporter_data_age_seconds{account="Example Corp",zone="example.com"} 990',
    ]);
    expect(at()).toEqual([]);
  });
});

describe("zone self-metrics under the CF_ZONES allow-list", () => {
  const listed = "a1".repeat(16);
  const unlisted = "b2".repeat(16);
  const account = state({}).accounts[0] as StoredState["accounts"][number];
  const twoZones: StoredState = {
    accounts: [
      {
        ...account,
        shards: account.shards.map((shard) => ({ ...shard, scopeId: listed })),
        // The zone cache holds every active zone; CF_ZONES is applied when it is read.
        zones: [
          { id: listed, name: "example.com", plan: "pro", settings: {} },
          { id: unlisted, name: "other.example", plan: "pro", settings: {} },
        ],
      },
    ],
  };

  it("count every discovered zone, and only the listed ones as filtered and processed", () => {
    const lines = renderText(
      buildFamilies(twoZones, loadConfig({ CF_ZONES: listed }), build, registry),
    ).split("\n");
    expect(lines).toContain("cloudflare_zones 2");
    expect(lines).toContain("cloudflare_zones_filtered 1");
    expect(lines).toContain("cloudflare_zones_processed 1");
  });

  it("count as skipped for the free tier only the zones of CF_FREE_TIER_ACCOUNTS, which get no zone queries", () => {
    const render = (env: Record<string, string>) =>
      renderText(buildFamilies(twoZones, loadConfig(env), build, registry)).split("\n");
    expect(render({})).toContain("cloudflare_zones_skipped_free_tier 0");
    expect(render({ CF_FREE_TIER_ACCOUNTS: account.account.id })).toContain(
      "cloudflare_zones_skipped_free_tier 2",
    );
    expect(render({ CF_FREE_TIER_ACCOUNTS: account.account.id, CF_ZONES: listed })).toContain(
      "cloudflare_zones_skipped_free_tier 1",
    );
  });

  it("without an allow-list, filtered equals discovered", () => {
    const lines = renderText(buildFamilies(twoZones, loadConfig({}), build, registry)).split("\n");
    expect(lines).toContain("cloudflare_zones 2");
    expect(lines).toContain("cloudflare_zones_filtered 2");
  });
});

describe("authorization", () => {
  const credentials = {
    bearerToken: "s3cret-token-0123456789",
    basic: { user: "prometheus", password: "pa:ss:word" },
  };
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

  it("accepts the bearer token and basic credentials, including a password with colons", () => {
    expect(checkAuthorization("Bearer s3cret-token-0123456789", credentials)).toEqual({ ok: true });
    expect(checkAuthorization(basic("prometheus", "pa:ss:word"), credentials)).toEqual({ ok: true });
  });

  it("rejects wrong, partial and malformed credentials", () => {
    expect(checkAuthorization("Bearer s3cret-token-012345678", credentials)).toEqual({
      ok: false,
      reason: "invalid credentials",
    });
    expect(checkAuthorization(basic("prometheus", "pa"), credentials)).toEqual({
      ok: false,
      reason: "invalid credentials",
    });
    expect(checkAuthorization(basic("grafana", "pa:ss:word"), credentials)).toEqual({
      ok: false,
      reason: "invalid credentials",
    });
    expect(checkAuthorization("Basic !!!", credentials)).toEqual({
      ok: false,
      reason: "malformed Authorization header",
    });
    expect(checkAuthorization(`Basic ${Buffer.from("no-colon").toString("base64")}`, credentials)).toEqual({
      ok: false,
      reason: "malformed Authorization header",
    });
    expect(checkAuthorization("Digest abc", credentials)).toEqual({
      ok: false,
      reason: "unsupported authorization scheme",
    });
    expect(checkAuthorization("Bearer", credentials)).toEqual({
      ok: false,
      reason: "malformed Authorization header",
    });
    expect(checkAuthorization("Bearer x", {})).toEqual({ ok: false, reason: "invalid credentials" });
  });
});

describe("the endpoint", () => {
  const credentials = { bearerToken: "s3cret-token-0123456789" };
  const app = (overrides: { readState?: () => Promise<StoredState>; required?: boolean } = {}) =>
    createApp({
      settings: staticConfigProvider(),
      readState: overrides.readState ?? (async () => state({})),
      clock: () => now,
      build,
      auth: { required: overrides.required ?? true, credentials },
      logger: memoryLogger(),
    });
  const get = (
    path: string,
    headers: Record<string, string> = {},
    method = "GET",
    rawQuery = "",
  ): HttpRequest => ({
    method,
    path,
    rawQuery,
    headers: { authorization: "Bearer s3cret-token-0123456789", ...headers },
  });

  it("answers every bad request with its 4xx, and a store failure with 503", async () => {
    const endpoint = app();
    const status = async (request: HttpRequest) => (await endpoint(request)).status;
    expect(await status(get("/nope"))).toBe(404);
    expect(await status(get("/metrics", {}, "POST"))).toBe(405);
    expect((await endpoint(get("/metrics", {}, "DELETE"))).headers.allow).toBe("GET, HEAD");
    expect(await status(get("/metrics", { authorization: "Bearer wrong" }))).toBe(401);
    expect(await status(get("/metrics", { authorization: "Basic %%%" }))).toBe(401);
    const missing = await endpoint({ ...get("/metrics"), headers: {} });
    expect(missing.status).toBe(401);
    expect(missing.headers["www-authenticate"]).toContain("Bearer");
    expect(await status(get("/metrics", {}, "GET", "q=".repeat(2_000)))).toBe(400);
    expect(await status(get(`/${"a".repeat(2_000)}`))).toBe(400);
    expect(await status(get("/metrics", { "x-big": "x".repeat(10_000) }))).toBe(400);
    const broken = app({
      readState: async () => {
        throw new Error("ResourceNotFoundException: table missing");
      },
    });
    const failed = await broken(get("/metrics"));
    expect(failed.status).toBe(503);
    expect(failed.body).toBe("stored state is unavailable; try again shortly\n");
  });

  it("serves text, OpenMetrics and gzip, and reports health from stored freshness", async () => {
    const endpoint = app();
    const plain = await endpoint(get("/metrics"));
    expect(plain.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    const open = await endpoint(
      get("/metrics", { accept: "application/openmetrics-text; version=1.0.0", "accept-encoding": "gzip" }),
    );
    expect(open.headers["content-type"]).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    expect(open.headers["content-encoding"]).toBe("gzip");
    expect(
      gunzipSync(open.body as Uint8Array)
        .toString("utf8")
        .endsWith("# EOF\n"),
    ).toBe(true);

    const healthy = await endpoint(get("/health"));
    expect(healthy.status).toBe(200);
    expect(JSON.parse(String(healthy.body))).toMatchObject({ status: "healthy", reasons: [] });
    const stale = app({ readState: async () => state({}, minute(-30)) });
    const unhealthy = await stale(get("/health"));
    expect(unhealthy.status).toBe(503);
    expect(JSON.parse(String(unhealthy.body)).reasons).toEqual([
      "Example Corp: newest counted minute is 2190s old",
    ]);
    const page = await endpoint(get("/"));
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(String(page.body)).toContain("<td>example.com</td>");
  });

  it("shows data age per zone and group, each account's errors and the budget on the status page", async () => {
    // cursor = minute(0) is 390 s before now; the budget is spent for 4 more minutes.
    const spent = {
      ...state({}),
      graphqlBlocks: [{ untilMs: now + 240_000, usage: { used: 12, limit: 250 } }],
    };
    const body = String((await app({ readState: async () => spent })(get("/"))).body);
    expect(body).toContain("<td>Example Corp</td><td>example.com</td><td>test</td><td>6 min 30 s</td>");
    // The account's data age is its least advanced zone's; the widening comes from its last run.
    expect(body).toContain(
      "<td>Example Corp</td><td>20 s ago</td><td></td><td>6 min 30 s</td><td>1</td><td>0</td><td>1</td><td>forbidden:authz × 3</td>",
    );
    const widened = state({});
    const [first] = widened.accounts;
    if (first?.status.lastRun) first.status.lastRun.everyMinutes = 16;
    const widenedBody = String((await app({ readState: async () => widened })(get("/"))).body);
    expect(widenedBody).toContain(
      "<td>Example Corp</td><td>20 s ago</td><td>every 16 min (widened to fit the budget)</td><td>6 min 30 s</td>",
    );
    expect(body).toContain(
      'Cloudflare GraphQL budget: <strong class="unhealthy">spent</strong>: Cloudflare asked to wait; GraphQL calls resume at 2026-11-20T12:04:30Z (in 4 min 0 s), and the minutes meanwhile are counted then (the exporter had made 12 of 250 calls in the 5 minutes before)</p>',
    );
    const available = String((await app()(get("/"))).body);
    expect(available).toContain('Cloudflare GraphQL budget: <strong class="healthy">available</strong>');
    expect(available).not.toContain("<script");
    // Without account-based rate limiting there is no per-account budget to show.
    expect(body).not.toContain("GraphQL budget per account");
    expect(body).not.toContain("GraphQL budgets per account");
  });

  it("adapts Function URL events both ways, binary bodies in base64", async () => {
    const event = {
      rawPath: "/metrics",
      rawQueryString: "",
      headers: { Authorization: "Bearer s3cret-token-0123456789", "Accept-Encoding": "gzip" },
      requestContext: { http: { method: "GET" } },
    } as unknown as APIGatewayProxyEventV2;
    const result = toResult(await app()(toHttpRequest(event)));
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(true);
    expect(gunzipSync(Buffer.from(String(result.body), "base64")).toString("utf8")).toContain(
      "cloudflare_exporter_up 1",
    );
  });
});
