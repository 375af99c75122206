import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { CloudflareGraphqlClient } from "../../lambda/cloudflare/graphql-client.ts";
import { RateLimiter } from "../../lambda/cloudflare/rate-limiter.ts";
import { CloudflareRestClient } from "../../lambda/cloudflare/rest-client.ts";
import { type Simulator, startSimulator } from "../../local/simulator/server.ts";

/**
 * What an operator reads when Cloudflare refuses or fails: what happened, where the token
 * comes from and how to check it, or the status, the ray ID and that it is retried. Over
 * real HTTP against the simulator; never the token itself.
 */
let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator();
});
afterAll(() => simulator.close());
beforeEach(() => simulator.faults.clear());

function options(token: string) {
  const noWait = async () => {};
  const clock = () => simulator.clock.now();
  return {
    baseUrl: simulator.baseUrl,
    token,
    timeoutMs: 5_000,
    limiter: new RateLimiter({ limit: 1_000, windowSeconds: 300, clock, sleep: noWait }),
    retry: { maxAttempts: 2, baseDelayMs: 0, sleep: noWait, random: () => 0 },
    maxLimiterWaitMs: 0,
  };
}

const tokenAdvice =
  "Cloudflare rejected the API token; it comes from the Secrets Manager secret named by " +
  "CLOUDFLARE_API_TOKEN_SECRET_ARN (local mode: the CLOUDFLARE_API_TOKEN variable). Check it " +
  "is active and allows Analytics:Read: curl -H 'Authorization: Bearer <token>' " +
  "https://api.cloudflare.com/client/v4/user/tokens/verify";

const zonesQuery = "query { viewer { zones(limit: 1) { zoneTag } } }";

describe("a refused token", () => {
  it("REST: says what to do, with Cloudflare's own words, and not the token", async () => {
    const rest = new CloudflareRestClient(options("sim-expired-token"));
    const failure = rest.list("/zones", z.unknown());
    await expect(failure).rejects.toMatchObject({
      kind: "unauthorized",
      message: `${tokenAdvice} (GET /zones: HTTP 401, 10000 Authentication error)`,
    });
  });

  it("GraphQL: the same advice", async () => {
    const graphql = new CloudflareGraphqlClient(options("sim-expired-token"));
    await expect(graphql.query(zonesQuery, {}, z.unknown())).rejects.toMatchObject({
      kind: "unauthorized",
      message: `${tokenAdvice} (GraphQL request: HTTP 401, Unauthorized)`,
    });
  });
});

describe("Cloudflare's side failing", () => {
  const retried =
    "a failure on Cloudflare's side: retried, and what stays uncounted is counted by a later run";

  it("REST, an HTML page: the status, the ray ID, retried", async () => {
    simulator.faults.add({ kind: "htmlError", api: "rest" });
    const rest = new CloudflareRestClient(options("sim-token"));
    await expect(rest.list("/zones", z.unknown())).rejects.toMatchObject({
      kind: "transient",
      message: `GET /zones: HTTP 502, an HTML page instead of JSON (ray 8c2f0e1a9b7d4e3f-LHR); ${retried}`,
    });
  });

  it("GraphQL, an HTML page: the same", async () => {
    simulator.faults.add({ kind: "htmlError", api: "graphql" });
    const graphql = new CloudflareGraphqlClient(options("sim-token"));
    await expect(graphql.query(zonesQuery, {}, z.unknown())).rejects.toMatchObject({
      kind: "transient",
      message: `GraphQL request: HTTP 502, an HTML page instead of JSON (ray 8c2f0e1a9b7d4e3f-LHR); ${retried}`,
    });
  });

  it("GraphQL, a 500 with Cloudflare's error: status and retried", async () => {
    simulator.faults.add({ kind: "serverError", api: "graphql" });
    const graphql = new CloudflareGraphqlClient(options("sim-token"));
    await expect(graphql.query(zonesQuery, {}, z.unknown())).rejects.toMatchObject({
      kind: "transient",
      message: `GraphQL request: HTTP 500, Internal server error; ${retried}`,
    });
  });

  it("REST, a 503 envelope: status and retried", async () => {
    simulator.faults.add({ kind: "unavailable", api: "rest" });
    const rest = new CloudflareRestClient(options("sim-token"));
    await expect(rest.list("/zones", z.unknown())).rejects.toMatchObject({
      kind: "transient",
      message: `GET /zones: HTTP 503, 10000 Service temporarily unavailable; ${retried}`,
    });
  });
});
