import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../../local/simulator/clock.ts";
import { type Simulator, startSimulator } from "../../../local/simulator/server.ts";
import { graphql, iso, noon, rows, viewerOf, zoneByName } from "./helpers.ts";

const now = noon / 1000;
const settledMinute = now - 600;

describe("GraphQL validation against Cloudflare's schema", () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator({ clock: new VirtualClock(noon) });
  });
  afterAll(() => simulator.close());

  it("rejects a misspelled field with Cloudflare's error shape", async () => {
    const zone = zoneByName(simulator, "example.com");
    const answer = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag: "${zone.id}"}) {
          httpRequests1mGroups(limit: 1, filter: {datetime_geq: "${iso(settledMinute)}"}) { sum { requestz } } } } }`,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors).toEqual([
      {
        message:
          'Cannot query field "requestz" on type "ZoneHttpRequests1mGroupsSum". Did you mean "requests"?',
        path: null,
        extensions: { timestamp: "2026-11-20T12:00:00Z" },
      },
    ]);
  });

  it("rejects a dataset queried without its required limit", async () => {
    const answer = await graphql(
      simulator,
      `{ viewer { zones { httpRequests1mGroups(filter: {datetime_geq: "${iso(settledMinute)}"}) { sum { requests } } } } }`,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.message).toBe(
      'Field "httpRequests1mGroups" argument "limit" of type "uint64!" is required, but it was not provided.',
    );
  });

  it("refuses an unknown token, an expired one, and zones outside the token's accounts", async () => {
    const query = "{ viewer { zones { zoneTag } } }";
    for (const token of ["no-such-token", "sim-expired-token"]) {
      const answer = await graphql(simulator, query, {}, token);
      expect(answer.status).toBe(401);
      expect(answer.body.errors?.[0]?.message).toBe("Unauthorized");
    }
    const other = zoneByName(simulator, "sideproject.dev");
    const answer = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag_in: ["${other.id}"]}) { zoneTag } } }`,
      {},
      "sim-account-token",
    );
    expect(answer.status).toBe(403);
    expect(answer.body.errors?.[0]).toMatchObject({
      message: `zones [${other.id}] are not authorized`,
      extensions: { code: "authz" },
    });
  });

  it("says plainly when a valid query asks for something the simulator does not model", async () => {
    const zone = zoneByName(simulator, "example.com");
    const answer = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag: "${zone.id}"}) {
          httpRequestsAdaptiveGroups(limit: 1, filter: {datetime_geq: "${iso(settledMinute)}", datetime_lt: "${iso(settledMinute + 60)}"}) {
            dimensions { clientASNDescription } } } } }`,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions.code).toBe("simulator_unsupported");
    expect(answer.body.errors?.[0]?.message).toContain("httpRequestsAdaptiveGroups.clientASNDescription");
  });
});

describe("traffic model consistency", () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator({ clock: new VirtualClock(noon) });
  });
  afterAll(() => simulator.close());

  type Totals = {
    sum: Record<string, number> & {
      countryMap: { clientCountryName: string; requests: number; bytes: number; threats: number }[];
      responseStatusMap: { edgeResponseStatus: number; requests: number }[];
      contentTypeMap: { edgeResponseContentTypeName: string; requests: number; bytes: number }[];
      ipClassMap: { requests: number }[];
      clientSSLMap: { requests: number }[];
      clientHTTPVersionMap: { requests: number }[];
      threatPathingMap: { requests: number }[];
    };
  };
  const total = (items: { requests: number }[]) => items.reduce((sum, item) => sum + item.requests, 0);

  async function minuteView(zoneTag: string, minute: number) {
    const window = `{datetime_geq: "${iso(minute)}", datetime_lt: "${iso(minute + 60)}"}`;
    const answer = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag: "${zoneTag}"}) {
          rollup: httpRequests1mGroups(limit: 10, filter: ${window}) {
            sum { requests bytes threats
              countryMap { clientCountryName requests bytes threats }
              responseStatusMap { edgeResponseStatus requests }
              contentTypeMap { edgeResponseContentTypeName requests bytes }
              ipClassMap { requests } clientSSLMap { requests } clientHTTPVersionMap { requests } threatPathingMap { requests } } }
          byCountry: httpRequestsAdaptiveGroups(limit: 1000, filter: ${window}) {
            count sum { edgeResponseBytes } dimensions { clientCountryName } }
          firewall: firewallEventsAdaptiveGroups(limit: 1000, filter: ${window}) { count }
          security: httpRequestsAdaptiveGroups(limit: 10, filter: {AND: [${window}, {securityAction_neq: "unknown"}]}) { count }
        } } }`,
    );
    expect(answer.body.errors).toBeNull();
    return {
      rollup: rows<Totals>(answer, "rollup"),
      byCountry: rows<{
        count: number;
        sum: { edgeResponseBytes: number };
        dimensions: { clientCountryName: string };
      }>(answer, "byCountry"),
      firewall: rows<{ count: number }>(answer, "firewall"),
      security: rows<{ count: number }>(answer, "security"),
    };
  }

  for (const [label, minute] of [
    ["a settled minute", settledMinute],
    ["a minute still settling", now - 120],
  ] as const) {
    it(`keeps every breakdown equal to its total, and the datasets in agreement, for ${label}`, async () => {
      const zone = zoneByName(simulator, "example.com");
      const view = await minuteView(zone.id, minute);
      expect(view.rollup).toHaveLength(1);
      const sum = view.rollup[0]?.sum;
      if (!sum) throw new Error("no rollup row");
      expect(sum.requests).toBeGreaterThan(100); // a busy enterprise zone at noon: the sums below are not vacuous
      for (const map of [
        sum.countryMap,
        sum.responseStatusMap,
        sum.contentTypeMap,
        sum.ipClassMap,
        sum.clientSSLMap,
        sum.clientHTTPVersionMap,
      ]) {
        expect(total(map)).toBe(sum.requests);
      }
      expect(sum.countryMap.reduce((s, c) => s + c.bytes, 0)).toBe(sum.bytes);
      expect(sum.contentTypeMap.reduce((s, c) => s + c.bytes, 0)).toBe(sum.bytes);
      expect(sum.countryMap.reduce((s, c) => s + c.threats, 0)).toBe(sum.threats);
      expect(total(sum.threatPathingMap)).toBe(sum.threats);

      // The adaptive dataset counts the same requests, country by country.
      expect(view.byCountry.reduce((s, row) => s + row.count, 0)).toBe(sum.requests);
      expect(view.byCountry.reduce((s, row) => s + row.sum.edgeResponseBytes, 0)).toBe(sum.bytes);
      const adaptiveByCountry = Object.fromEntries(
        view.byCountry.map((row) => [row.dimensions.clientCountryName, row.count]),
      );
      expect(adaptiveByCountry).toEqual(
        Object.fromEntries(sum.countryMap.map((c) => [c.clientCountryName, c.requests])),
      );

      // Firewall events are the requests a security rule acted on.
      expect(view.firewall.reduce((s, row) => s + row.count, 0)).toBe(view.security[0]?.count ?? 0);
    });
  }
});

describe("settling", () => {
  it("grows a minute's value toward its final value over the lag, then holds it", async () => {
    const clock = new VirtualClock(noon);
    const simulator = await startSimulator({ clock, settleSeconds: 240 });
    try {
      const zone = zoneByName(simulator, "example-shop.com");
      const minute = now - 60;
      const query = `{ viewer { zones(filter: {zoneTag: "${zone.id}"}) {
          httpRequests1mGroups(limit: 5, filter: {datetime_geq: "${iso(minute)}", datetime_lt: "${iso(minute + 60)}"}) {
            sum { requests } } } } }`;
      const seen: number[] = [];
      for (let step = 0; step < 7; step++) {
        const answer = await graphql(simulator, query);
        seen.push(rows<{ sum: { requests: number } }>(answer, "httpRequests1mGroups")[0]?.sum.requests ?? 0);
        clock.advance(60_000);
      }
      const final = simulator.groundTruth({
        dataset: "httpRequests1mGroups",
        zoneTag: zone.id,
        field: "sum.requests",
        from: minute,
        to: minute + 60,
      });
      // Asked 1..7 minutes after the minute began: 1/5, 2/5, ... of the way, settled from the fifth minute.
      expect(seen.slice(4)).toEqual([final, final, final]);
      for (let i = 1; i < 5; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] ?? Number.POSITIVE_INFINITY);
      expect(seen[0]).toBeLessThan(final * 0.3);
    } finally {
      await simulator.close();
    }
  });
});

describe("ground truth", () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator({ clock: new VirtualClock(noon) });
  });
  afterAll(() => simulator.close());

  it("equals the sum of the per-minute answers once the range has settled", async () => {
    const zone = zoneByName(simulator, "example-blog.net");
    const from = now - 3_600;
    const to = now - 1_800;
    const answer = await graphql(
      simulator,
      `query ($zone: string, $from: Time, $to: Time) { viewer { zones(filter: {zoneTag: $zone}) {
          perMinute: httpRequests1mGroups(limit: 100, filter: {datetime_geq: $from, datetime_lt: $to}, orderBy: [datetime_ASC]) {
            dimensions { datetime } sum { requests bytes } }
          usPerMinute: httpRequestsAdaptiveGroups(limit: 100, filter: {datetime_geq: $from, datetime_lt: $to, clientCountryName: "US"}) {
            count dimensions { datetimeMinute } } } } }`,
      { zone: zone.id, from: iso(from), to: iso(to) },
    );
    const perMinute = rows<{ dimensions: { datetime: string }; sum: { requests: number; bytes: number } }>(
      answer,
      "perMinute",
    );
    expect(perMinute.map((row) => row.dimensions.datetime)).toEqual(
      Array.from({ length: 30 }, (_, i) => iso(from + 60 * i)),
    );
    const requests = perMinute.reduce((s, row) => s + row.sum.requests, 0);
    const bytes = perMinute.reduce((s, row) => s + row.sum.bytes, 0);
    const truth = (field: string, where?: Record<string, string>) =>
      simulator.groundTruth({
        dataset: "httpRequests1mGroups",
        zoneTag: zone.id,
        field,
        from,
        to,
        ...(where ? { where } : {}),
      });
    expect(requests).toBe(truth("sum.requests"));
    expect(bytes).toBe(truth("sum.bytes"));

    const usPerMinute = rows<{ count: number }>(answer, "usPerMinute");
    expect(usPerMinute).toHaveLength(30);
    const usTruth = simulator.groundTruth({
      dataset: "httpRequestsAdaptiveGroups",
      zoneTag: zone.id,
      field: "count",
      where: { clientCountryName: "US" },
      from,
      to,
    });
    expect(usPerMinute.reduce((s, row) => s + row.count, 0)).toBe(usTruth);
    expect(truth("sum.countryMap.requests", { clientCountryName: "US" })).toBe(usTruth);

    const url = new URL(`http://127.0.0.1:${simulator.port}/__simulator/ground-truth`);
    url.search = new URLSearchParams({
      dataset: "httpRequestsAdaptiveGroups",
      zoneTag: zone.id,
      field: "count",
      from: iso(from),
      to: iso(to),
      "where.clientCountryName": "US",
    }).toString();
    expect(await (await fetch(url)).json()).toEqual({ value: usTruth });
  });

  it("is not additive for unique visitors: an hour's uniques are fewer than the sum of its minutes'", () => {
    const zone = zoneByName(simulator, "example.com");
    const uniques = (from: number, to: number) =>
      simulator.groundTruth({
        dataset: "httpRequests1mGroups",
        zoneTag: zone.id,
        field: "uniq.uniques",
        from,
        to,
      });
    const hour = now - 7_200;
    let minutes = 0;
    for (let m = hour; m < hour + 3_600; m += 60) minutes += uniques(m, m + 60);
    expect(uniques(hour, hour + 3_600)).toBeLessThan(minutes);
  });
});

describe("plans, limits and errors", () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator({ clock: new VirtualClock(noon) });
  });
  afterAll(() => simulator.close());
  const window = `{datetime_geq: "${iso(settledMinute)}", datetime_lt: "${iso(settledMinute + 60)}"}`;

  it("denies a Free zone a paid dataset, voiding the whole document", async () => {
    const free = zoneByName(simulator, "example.org");
    const paid = zoneByName(simulator, "example.com");
    const answer = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag_in: ["${paid.id}", "${free.id}"]}) {
          zoneTag httpRequests1mGroups(limit: 1, filter: ${window}) { sum { requests } } } } }`,
    );
    const freeIndex = [paid.id, free.id].sort().indexOf(free.id);
    expect(answer.status).toBe(403);
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors).toEqual([
      {
        message: `zone '${free.id}' does not have access to the path`,
        path: ["viewer", "zones", String(freeIndex), "httpRequests1mGroups"],
        extensions: { code: "authz", timestamp: "2026-11-20T12:00:00Z" },
      },
    ]);
  });

  it("gives a Free zone the adaptive dataset but not its restricted fields", async () => {
    const free = zoneByName(simulator, "example.org");
    const allowed = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag: "${free.id}"}) { httpRequestsAdaptiveGroups(limit: 10, filter: ${window}) { count } } } }`,
    );
    expect(rows<{ count: number }>(allowed, "httpRequestsAdaptiveGroups")[0]?.count).toBe(
      simulator.groundTruth({
        dataset: "httpRequestsAdaptiveGroups",
        zoneTag: free.id,
        field: "count",
        from: settledMinute,
        to: settledMinute + 60,
      }),
    );
    const denied = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag: "${free.id}"}) {
          httpRequestsAdaptiveGroups(limit: 10, filter: ${window}) { count dimensions { edgeResponseContentTypeName } } } } }`,
    );
    expect(denied.status).toBe(403);
    expect(denied.body.errors?.[0]?.message).toBe(
      `zone '${free.id}' does not have access to the field 'edgeresponsecontenttypename'`,
    );
  });

  it("describes each dataset's limits in the settings node", async () => {
    const free = zoneByName(simulator, "example.org");
    const answer = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag: "${free.id}"}) { settings {
          httpRequests1mGroups { enabled }
          httpRequestsAdaptiveGroups { enabled maxDuration notOlderThan maxPageSize availableFields } } } } }`,
    );
    const settings = viewerOf<{ zones: { settings: Record<string, Record<string, unknown>> }[] }>(answer)
      .zones[0]?.settings;
    expect(settings?.httpRequests1mGroups).toEqual({ enabled: false });
    expect(settings?.httpRequestsAdaptiveGroups).toMatchObject({
      enabled: true,
      maxDuration: 86_400,
      notOlderThan: 691_200,
      maxPageSize: 10_000,
    });
    const fields = settings?.httpRequestsAdaptiveGroups?.availableFields as string[];
    expect(fields).toContain("count");
    expect(fields).toContain("sum_visits");
    expect(fields).toContain("dimensions_clientCountryName");
    expect(fields).not.toContain("dimensions_edgeResponseContentTypeName");
  });

  it("refuses 11 zones in one query and answers 10, sorted by zone tag", async () => {
    const clock = new VirtualClock(noon);
    const big = await startSimulator({
      clock,
      world: {
        accounts: [
          {
            name: "Many",
            zones: Array.from({ length: 11 }, (_, i) => ({ name: `zone${i}.example`, plan: "pro" as const })),
          },
        ],
        tokens: [{ value: "sim-token" }],
      },
    });
    try {
      const ids = big.world.zones.map((zone) => zone.id);
      const query = (tags: string[]) =>
        `{ viewer { zones(filter: {zoneTag_in: ${JSON.stringify(tags)}}) { zoneTag } } }`;
      const refused = await graphql(big, query(ids));
      expect(refused.status).toBe(400);
      expect(refused.body.data).toBeNull();
      expect(refused.body.errors?.[0]?.message).toBe(
        "too many zones requested: 11, a query may include at most 10 zones",
      );
      const ten = [...ids.slice(0, 10)].reverse();
      const answered = await graphql(big, query(ten));
      const tags = viewerOf<{ zones: { zoneTag: string }[] }>(answered).zones.map((z) => z.zoneTag);
      expect(tags).toEqual([...ten].sort());
    } finally {
      await big.close();
    }
  });

  it("refuses data older than the plan's retention and ranges wider than maxDuration", async () => {
    const pro = zoneByName(simulator, "example-blog.net");
    const old = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag: "${pro.id}"}) {
          httpRequests1mGroups(limit: 1, filter: {datetime_geq: "${iso(now - 2 * 86_400)}", datetime_lt: "${iso(now - 2 * 86_400 + 60)}"}) { sum { requests } } } } }`,
    );
    expect(old.status).toBe(400);
    expect(old.body.errors?.[0]).toMatchObject({
      message: "cannot request data older than 86400s",
      extensions: { code: "quota" },
    });

    const wide = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag: "${pro.id}"}) {
          httpRequestsAdaptiveGroups(limit: 1, filter: {datetime_geq: "${iso(now - 90_000)}", datetime_lt: "${iso(now)}"}) { count } } } }`,
    );
    expect(wide.status).toBe(400);
    expect(wide.body.errors?.[0]).toMatchObject({
      message: "query time range is too large. Time range can't be wider than 86400s, but it's 90000s",
      extensions: { code: "quota" },
    });
  });

  it("caps rows at limit after ordering, and refuses a limit above maxPageSize", async () => {
    const zone = zoneByName(simulator, "example.com");
    const from = now - 1_800;
    const answer = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag: "${zone.id}"}) {
          first: httpRequestsAdaptiveGroups(limit: 5, filter: {datetime_geq: "${iso(from)}", datetime_lt: "${iso(now - 600)}"}, orderBy: [datetimeMinute_ASC]) {
            count dimensions { datetimeMinute } }
          busiest: httpRequestsAdaptiveGroups(limit: 3, filter: {datetime_geq: "${iso(from)}", datetime_lt: "${iso(now - 600)}"}, orderBy: [count_DESC]) {
            count dimensions { clientCountryName } } } } }`,
    );
    const first = rows<{ dimensions: { datetimeMinute: string } }>(answer, "first");
    expect(first.map((row) => row.dimensions.datetimeMinute)).toEqual(
      [0, 1, 2, 3, 4].map((i) => iso(from + 60 * i)),
    );
    const busiest = rows<{ count: number; dimensions: { clientCountryName: string } }>(answer, "busiest");
    expect(busiest).toHaveLength(3);
    expect(busiest[0]?.dimensions.clientCountryName).toBe("US");
    expect(busiest.map((row) => row.count)).toEqual(
      [...busiest.map((row) => row.count)].sort((a, b) => b - a),
    );

    const tooMany = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag: "${zone.id}"}) { httpRequestsAdaptiveGroups(limit: 10001, filter: ${window}) { count } } } }`,
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors?.[0]?.message).toBe(
      "limit must be positive number and not greater than 10000",
    );
  });

  it("applies _in, _notin, _neq and _geq filters exactly", async () => {
    const zone = zoneByName(simulator, "example.com");
    const from = now - 1_200;
    const to = now - 600;
    const range = `datetime_geq: "${iso(from)}", datetime_lt: "${iso(to)}"`;
    const answer = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag: "${zone.id}"}) {
          errors: httpRequestsAdaptiveGroups(limit: 100, filter: {${range}, edgeResponseStatus_geq: 500}) { count dimensions { edgeResponseStatus } }
          some: httpRequestsAdaptiveGroups(limit: 100, filter: {${range}, clientCountryName_in: ["DE", "FR"]}) { count dimensions { clientCountryName } }
          rest: httpRequestsAdaptiveGroups(limit: 100, filter: {${range}, clientCountryName_notin: ["DE", "FR"], cacheStatus_neq: "hit"}) { count dimensions { clientCountryName cacheStatus } }
        } } }`,
    );
    const truth = (where: Record<string, (string | number)[]>) =>
      simulator.groundTruth({
        dataset: "httpRequestsAdaptiveGroups",
        zoneTag: zone.id,
        field: "count",
        from,
        to,
        where,
      });
    const errors = rows<{ count: number; dimensions: { edgeResponseStatus: number } }>(answer, "errors");
    expect(errors.every((row) => row.dimensions.edgeResponseStatus >= 500)).toBe(true);
    expect(errors.reduce((s, r) => s + r.count, 0)).toBe(
      truth({ edgeResponseStatus: [500, 502, 503, 504, 520, 522, 524] }),
    );
    const some = rows<{ count: number; dimensions: { clientCountryName: string } }>(answer, "some");
    expect(some.map((row) => row.dimensions.clientCountryName).sort()).toEqual(["DE", "FR"]);
    expect(some.reduce((s, r) => s + r.count, 0)).toBe(truth({ clientCountryName: ["DE", "FR"] }));
    const rest = rows<{ count: number; dimensions: { clientCountryName: string; cacheStatus: string } }>(
      answer,
      "rest",
    );
    const total = simulator.groundTruth({
      dataset: "httpRequestsAdaptiveGroups",
      zoneTag: zone.id,
      field: "count",
      from,
      to,
    });
    const hits = truth({ cacheStatus: ["hit"] });
    const deFr = truth({ clientCountryName: ["DE", "FR"] });
    const deFrHits = simulator.groundTruth({
      dataset: "httpRequestsAdaptiveGroups",
      zoneTag: zone.id,
      field: "count",
      from,
      to,
      where: { clientCountryName: ["DE", "FR"], cacheStatus: "hit" },
    });
    expect(rest.reduce((s, r) => s + r.count, 0)).toBe(total - hits - deFr + deFrHits);
    expect(
      rest.some(
        (row) =>
          row.dimensions.cacheStatus === "hit" || ["DE", "FR"].includes(row.dimensions.clientCountryName),
      ),
    ).toBe(false);
  });

  it("serves account-level datasets and denies accounts without the entitlement", async () => {
    const corp = simulator.world.accounts.find((a) => a.name === "Example Corp");
    const side = simulator.world.accounts.find((a) => a.name === "Side Project");
    if (!corp || !side) throw new Error("default world changed");
    const from = now - 900;
    const to = now - 600;
    const answer = await graphql(
      simulator,
      `{ viewer { accounts(filter: {accountTag: "${corp.id}"}) {
          workersInvocationsAdaptive(limit: 100, filter: {datetime_geq: "${iso(from)}", datetime_lt: "${iso(to)}"}) {
            sum { requests errors } dimensions { scriptName } }
          magicTransitTunnelHealthChecksAdaptiveGroups(limit: 100, filter: {datetime_geq: "${iso(from)}", datetime_lt: "${iso(to)}"}) {
            count dimensions { tunnelName } } } } }`,
    );
    const workers = rows<{ sum: { requests: number; errors: number }; dimensions: { scriptName: string } }>(
      answer,
      "workersInvocationsAdaptive",
      "accounts",
    );
    expect(workers.map((row) => row.dimensions.scriptName).sort()).toEqual(["api-gateway", "image-resizer"]);
    for (const row of workers) {
      expect(row.sum.requests).toBe(
        simulator.groundTruth({
          dataset: "workersInvocationsAdaptive",
          accountTag: corp.id,
          field: "sum.requests",
          from,
          to,
          where: { scriptName: row.dimensions.scriptName },
        }),
      );
    }
    // Three tunnels, three colos, six checks a minute each, five minutes.
    const tunnels = rows<{ count: number }>(
      answer,
      "magicTransitTunnelHealthChecksAdaptiveGroups",
      "accounts",
    );
    expect(tunnels.reduce((s, row) => s + row.count, 0)).toBe(3 * 3 * 6 * 5);

    const denied = await graphql(
      simulator,
      `{ viewer { accounts(filter: {accountTag: "${side.id}"}) {
          magicTransitTunnelHealthChecksAdaptiveGroups(limit: 10, filter: {datetime_geq: "${iso(from)}", datetime_lt: "${iso(to)}"}) { count } } } }`,
    );
    expect(denied.status).toBe(403);
    expect(denied.body.errors?.[0]?.message).toBe(`account '${side.id}' does not have access to the path`);
  });

  it("answers identically from two simulators with the same seed", async () => {
    const twin = await startSimulator({ clock: new VirtualClock(noon) });
    try {
      const zone = zoneByName(simulator, "example-shop.com");
      const query = `{ viewer { zones(filter: {zoneTag: "${zone.id}"}) {
          httpRequestsAdaptiveGroups(limit: 1000, filter: {datetime_geq: "${iso(now - 300)}", datetime_lt: "${iso(now)}"}) {
            count sum { edgeResponseBytes visits } dimensions { coloCode edgeResponseStatus } } } } }`;
      const [a, b] = await Promise.all([graphql(simulator, query), graphql(twin, query)]);
      expect(a.body.errors).toBeNull();
      expect(b.body).toEqual(a.body);
    } finally {
      await twin.close();
    }
  });
});

describe("rate-limit budget", () => {
  it("runs out after 300 requests in 5 minutes of virtual time, and comes back", async () => {
    const clock = new VirtualClock(noon);
    const simulator = await startSimulator({ clock, budgetStatus: "200" });
    try {
      const query = "{ viewer { budget } }";
      for (let i = 0; i < 300; i++) {
        const answer = await graphql(simulator, query);
        expect(answer.body.errors).toBeNull();
        if (i % 100 === 99) clock.advance(60_000);
      }
      const refused = await graphql(simulator, query);
      expect(refused.status).toBe(200);
      expect(refused.body).toEqual({
        data: null,
        errors: [
          {
            message: "rate limiter budget depleted, try again after 5 minutes",
            path: null,
            extensions: { code: "budget", timestamp: "2026-11-20T12:03:00Z" },
          },
        ],
      });
      // The first 100 requests leave the window 5 minutes after they were made; this
      // request then takes one of the 100 freed, and `budget` reports what is left.
      clock.set(noon + 300_000);
      const again = await graphql(simulator, query);
      expect(again.body.data).toEqual({ viewer: { budget: 99 } });
    } finally {
      await simulator.close();
    }
  });

  it("answers a spent budget with 429 or 200 when mixed, as Cloudflare has been seen to", async () => {
    const simulator = await startSimulator({
      clock: new VirtualClock(noon),
      graphqlBudget: { limit: 1, windowSeconds: 300 },
    });
    try {
      await graphql(simulator, "{ viewer { budget } }");
      const statuses = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const answer = await graphql(simulator, "{ viewer { budget } }");
        expect(answer.body.errors?.[0]?.extensions.code).toBe("budget");
        statuses.add(answer.status);
      }
      expect([...statuses].sort()).toEqual([200, 429]);
    } finally {
      await simulator.close();
    }
  });
});

describe("load balancing, health check and Logpush datasets", () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator({ clock: new VirtualClock(noon) });
  });
  afterAll(() => simulator.close());

  it("counts what the configured pools, origins and jobs produce", async () => {
    const zone = zoneByName(simulator, "example.com");
    const from = now - 900;
    const to = now - 600;
    const range = `{datetime_geq: "${iso(from)}", datetime_lt: "${iso(to)}"}`;
    const answer = await graphql(
      simulator,
      `{ viewer { zones(filter: {zoneTag: "${zone.id}"}) {
          healthCheckEventsAdaptiveGroups(limit: 100, filter: ${range}) { count dimensions { originIP region } }
          loadBalancingRequestsAdaptiveGroups(limit: 1000, filter: ${range}) { count dimensions { lbName selectedPoolName } }
          logpushHealthAdaptiveGroups(limit: 100, filter: {AND: [${range}, {final: 1}]}) { count dimensions { jobId } } } } }`,
    );
    // Two pools of two origins, checked from three regions three times a minute, for five minutes.
    const checks = rows<{ count: number; dimensions: { originIP: string; region: string } }>(
      answer,
      "healthCheckEventsAdaptiveGroups",
    );
    expect(checks).toHaveLength(2 * 2 * 3);
    expect(checks.map((row) => row.count)).toEqual(Array(12).fill(3 * 5));
    const lb = rows<{ count: number; dimensions: { lbName: string; selectedPoolName: string } }>(
      answer,
      "loadBalancingRequestsAdaptiveGroups",
    );
    expect(new Set(lb.map((row) => row.dimensions.lbName))).toEqual(new Set(["lb.example.com"]));
    expect(lb.reduce((s, row) => s + row.count, 0)).toBe(
      simulator.groundTruth({
        dataset: "loadBalancingRequestsAdaptiveGroups",
        zoneTag: zone.id,
        field: "count",
        from,
        to,
      }),
    );
    // One final push attempt per job per minute.
    const logpush = rows<{ count: number; dimensions: { jobId: number } }>(
      answer,
      "logpushHealthAdaptiveGroups",
    );
    expect(logpush).toEqual([{ count: 5, dimensions: { jobId: zone.logpushJobs[0]?.id } }]);
  });
});
