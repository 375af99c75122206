import { afterEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../../../local/simulator/clock.ts";
import { type Simulator, startSimulator } from "../../../local/simulator/server.ts";
import { graphql, iso, noon, zoneByName } from "./helpers.ts";

const query = `query Q($zones: [string!], $from: Time!, $to: Time!) { viewer { zones(filter: { zoneTag_in: $zones }) {
  zoneTag a: httpRequests1mGroups(limit: 10, filter: { datetime_geq: $from, datetime_lt: $to }) { sum { requests } }
  b: httpRequestsAdaptiveGroups(limit: 10, filter: { datetime_geq: $from, datetime_lt: $to }) { count } } } }`;

describe("the simulator's per-request ceiling", () => {
  let simulator: Simulator | undefined;
  afterEach(() => simulator?.close());

  const ask = async (names: string[]) => {
    if (!simulator) throw new Error("no simulator");
    const s = simulator;
    return graphql(s, query, {
      zones: names.map((name) => zoneByName(s, name).id),
      from: iso(noon / 1000 - 3_600),
      to: iso(noon / 1000 - 3_000),
    });
  };

  it("answers HTTP 429 with Cloudflare's words past the ceiling, counted as a request", async () => {
    simulator = await startSimulator({ clock: new VirtualClock(noon), queryCeiling: 4 });
    // 2 zones × 2 nodes = 4 queries: answered.
    expect((await ask(["example.com", "example-shop.com"])).status).toBe(200);
    // 3 zones × 2 nodes = 6: refused.
    const refused = await ask(["example.com", "example-shop.com", "example-blog.net"]);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.map((e) => e.message)).toEqual([
      "in combination, your request queries too many nodes, zones and accounts",
    ]);
    expect(simulator.ceiling.refusals).toMatchObject([{ queries: 6 }]);
    expect(simulator.requests.graphql).toBe(2);
  });

  it("enforces nothing by default", async () => {
    simulator = await startSimulator({ clock: new VirtualClock(noon) });
    expect((await ask(["example.com", "example-shop.com", "example-blog.net"])).status).toBe(200);
    expect(simulator.ceiling.refusals).toEqual([]);
  });
});
