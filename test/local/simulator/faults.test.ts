import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { VirtualClock } from "../../../local/simulator/clock.ts";
import { type Simulator, startSimulator } from "../../../local/simulator/server.ts";

/** Fault injection, through the programmatic API and the `/__simulator/faults` endpoint. */

const start = Date.parse("2026-03-10T12:00:00Z");
const timestamp = "2026-03-10T12:00:00Z";

interface HttpAnswer {
  status: number;
  contentType: string | null;
  retryAfter: string | null;
  text: string;
}

interface GraphqlBody {
  data: unknown;
  errors:
    | { message: string; path: string[] | null; extensions: { code?: string; timestamp: string } }[]
    | null;
}

async function read(response: Response): Promise<HttpAnswer> {
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    retryAfter: response.headers.get("retry-after"),
    text: await response.text(),
  };
}

function graphqlRequest(simulator: Simulator, init: { signal?: AbortSignal } = {}): Promise<Response> {
  const zoneTag = zoneId(simulator);
  return fetch(`${simulator.baseUrl}/graphql`, {
    method: "POST",
    headers: { authorization: "Bearer sim-token", "content-type": "application/json" },
    body: JSON.stringify({ query: `{ viewer { zones(filter: {zoneTag: "${zoneTag}"}) { zoneTag } } }` }),
    ...init,
  });
}

async function graphql(simulator: Simulator): Promise<HttpAnswer> {
  return read(await graphqlRequest(simulator));
}

async function rest(simulator: Simulator): Promise<HttpAnswer> {
  const response = await fetch(`${simulator.baseUrl}/zones/${zoneId(simulator)}/logpush/jobs`, {
    headers: { authorization: "Bearer sim-token" },
  });
  return read(response);
}

function zoneId(simulator: Simulator): string {
  const zone = simulator.world.zones.find((z) => z.name === "example.com");
  if (!zone) throw new Error("no example.com in the default world");
  return zone.id;
}

async function control(
  simulator: Simulator,
  method: "GET" | "POST" | "DELETE",
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${simulator.port}/__simulator/faults`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

const graphqlInternalError: GraphqlBody = {
  data: null,
  errors: [{ message: "Internal server error", path: null, extensions: { timestamp } }],
};
const restInternalError = {
  success: false,
  errors: [{ code: 10000, message: "Internal server error" }],
  messages: [],
  result: null,
};

describe("fault injection", () => {
  let simulator: Simulator;
  let normalGraphql: string;
  let normalRest: string;

  beforeAll(async () => {
    simulator = await startSimulator({ clock: new VirtualClock(start), budgetStatus: "429" });
    const answer = await graphql(simulator);
    expect(answer.status).toBe(200);
    normalGraphql = answer.text;
    const restAnswer = await rest(simulator);
    expect(restAnswer.status).toBe(200);
    normalRest = restAnswer.text;
  });
  afterEach(() => {
    simulator.faults.clear();
  });
  afterAll(async () => {
    await simulator.close();
  });

  const expectNormalGraphql = async () => {
    const answer = await graphql(simulator);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(normalGraphql);
  };

  it("answers normally without faults", () => {
    expect(JSON.parse(normalGraphql)).toEqual({
      data: { viewer: { zones: [{ zoneTag: zoneId(simulator) }] } },
      errors: null,
    });
    expect(JSON.parse(normalRest)).toMatchObject({ success: true, errors: [], result: [{ id: 1001 }] });
  });

  describe("through the programmatic API", () => {
    it("serverError answers GraphQL with 500 and Internal server error", async () => {
      simulator.faults.add({ kind: "serverError" });
      const answer = await graphql(simulator);
      expect(answer.status).toBe(500);
      expect(answer.contentType).toBe("application/json");
      expect(JSON.parse(answer.text)).toEqual(graphqlInternalError);
    });

    it("serverError answers REST with a 500 envelope", async () => {
      simulator.faults.add({ kind: "serverError", api: "rest" });
      const answer = await rest(simulator);
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.text)).toEqual(restInternalError);
    });

    it("serverError takes a custom status", async () => {
      simulator.faults.add({ kind: "serverError", status: 504 });
      const answer = await graphql(simulator);
      expect(answer.status).toBe(504);
      expect(JSON.parse(answer.text)).toEqual(graphqlInternalError);
    });

    it("unavailable answers GraphQL with 503", async () => {
      simulator.faults.add({ kind: "unavailable", api: "graphql" });
      const answer = await graphql(simulator);
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.text)).toEqual({
        data: null,
        errors: [
          {
            message: "unable to execute query, please try again later",
            path: null,
            extensions: { timestamp },
          },
        ],
      });
    });

    it("htmlError answers with an HTML page and status 502 by default", async () => {
      simulator.faults.add({ kind: "htmlError" });
      for (const answer of [await graphql(simulator), await rest(simulator)]) {
        expect(answer.status).toBe(502);
        expect(answer.contentType).toBe("text/html; charset=UTF-8");
        expect(answer.text.startsWith("<!DOCTYPE html>")).toBe(true);
        expect(answer.text).toContain("<h1>Error 502</h1>");
        expect(() => JSON.parse(answer.text)).toThrow(SyntaxError);
      }
    });

    it("truncatedJson answers 200 with the first half of the real body", async () => {
      simulator.faults.add({ kind: "truncatedJson" });
      const answers: [HttpAnswer, string][] = [
        [await graphql(simulator), normalGraphql],
        [await rest(simulator), normalRest],
      ];
      for (const [answer, normal] of answers) {
        expect(answer.status).toBe(200);
        expect(answer.contentType).toBe("application/json");
        expect(answer.text).toBe(normal.slice(0, Math.floor(normal.length / 2)));
        expect(() => JSON.parse(answer.text)).toThrow(SyntaxError);
      }
    });

    it("dataNullWithErrors answers HTTP 200 with data null and errors", async () => {
      simulator.faults.add({ kind: "dataNullWithErrors" });
      const answer = await graphql(simulator);
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.text) as GraphqlBody;
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([
        { message: "Internal server error", path: null, extensions: { timestamp } },
      ]);
      const restAnswer = await rest(simulator);
      expect(restAnswer.status).toBe(200);
      expect(JSON.parse(restAnswer.text)).toEqual(restInternalError);
    });

    it("budget answers GraphQL with the budget error", async () => {
      simulator.faults.add({ kind: "budget", api: "graphql" });
      const answer = await graphql(simulator);
      expect(answer.status).toBe(429);
      const body = JSON.parse(answer.text) as GraphqlBody;
      expect(body.data).toBeNull();
      expect(body.errors?.[0]?.extensions.code).toBe("budget");
      expect(body.errors).toEqual([
        {
          message: "rate limiter budget depleted, try again after 5 minutes",
          path: null,
          extensions: { code: "budget", timestamp },
        },
      ]);
    });

    it("budget answers REST with 429, code 971 and Retry-After", async () => {
      simulator.faults.add({ kind: "budget", api: "rest" });
      const answer = await rest(simulator);
      expect(answer.status).toBe(429);
      expect(answer.retryAfter).toBe("300");
      expect(JSON.parse(answer.text)).toEqual({
        success: false,
        errors: [{ code: 971, message: "Please wait and consider throttling your request speed" }],
        messages: [],
        result: null,
      });
    });

    it("slow still gives the real answer", async () => {
      simulator.faults.add({ kind: "slow", delayMs: 50 });
      await expectNormalGraphql();
      const restAnswer = await rest(simulator);
      expect(restAnswer.status).toBe(200);
      expect(restAnswer.text).toBe(normalRest);
    });

    it("timeout never answers: the client's abort ends the request", async () => {
      simulator.faults.add({ kind: "timeout", api: "graphql", times: 1 });
      const controller = new AbortController();
      const pending = graphqlRequest(simulator, { signal: controller.signal });
      await vi.waitFor(() => expect(simulator.faults.list()).toEqual([]));
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: "AbortError" });
      await expectNormalGraphql();
    });

    it("times: 2 affects exactly two requests, then normal answers resume", async () => {
      simulator.faults.add({ kind: "serverError", times: 2 });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await graphql(simulator)).status);
      expect(statuses).toEqual([500, 500, 200]);
      expect(simulator.faults.list()).toEqual([]);
      await expectNormalGraphql();
    });

    it('api: "rest" does not affect GraphQL', async () => {
      simulator.faults.add({ kind: "serverError", api: "rest" });
      await expectNormalGraphql();
      await expectNormalGraphql();
      const answer = await rest(simulator);
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.text)).toEqual(restInternalError);
      expect(simulator.faults.list()).toHaveLength(1);
    });

    it('api: "graphql" does not affect REST', async () => {
      simulator.faults.add({ kind: "serverError", api: "graphql" });
      const answer = await rest(simulator);
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(normalRest);
      expect((await graphql(simulator)).status).toBe(500);
    });

    it("applies rules in the order they were added, each use consuming one", async () => {
      simulator.faults.add({ kind: "htmlError", times: 1 });
      simulator.faults.add({ kind: "serverError", times: 1 });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await graphql(simulator)).status);
      expect(statuses).toEqual([502, 500, 200]);
    });

    it("clear() removes every rule", async () => {
      simulator.faults.add({ kind: "serverError" });
      simulator.faults.add({ kind: "htmlError", api: "rest" });
      expect(simulator.faults.list()).toHaveLength(2);
      simulator.faults.clear();
      expect(simulator.faults.list()).toEqual([]);
      await expectNormalGraphql();
    });
  });

  describe("through POST/DELETE /__simulator/faults", () => {
    it("adds a rule with its defaults and lists it", async () => {
      const added = await control(simulator, "POST", { kind: "serverError", api: "graphql", times: 1 });
      expect(added).toEqual({
        status: 200,
        body: { faults: [{ kind: "serverError", api: "graphql", times: 1, delayMs: 2000 }] },
      });
      expect(await control(simulator, "GET")).toEqual(added);
      const answer = await graphql(simulator);
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.text)).toEqual(graphqlInternalError);
      expect(await control(simulator, "GET")).toEqual({ status: 200, body: { faults: [] } });
      await expectNormalGraphql();
    });

    it("injects htmlError with a custom status", async () => {
      await control(simulator, "POST", { kind: "htmlError", status: 503, times: 1 });
      const answer = await graphql(simulator);
      expect(answer.status).toBe(503);
      expect(answer.contentType).toBe("text/html; charset=UTF-8");
      expect(() => JSON.parse(answer.text)).toThrow(SyntaxError);
      await expectNormalGraphql();
    });

    it("injects truncatedJson", async () => {
      await control(simulator, "POST", { kind: "truncatedJson", api: "graphql", times: 1 });
      const answer = await graphql(simulator);
      expect(answer.status).toBe(200);
      expect(() => JSON.parse(answer.text)).toThrow(SyntaxError);
      await expectNormalGraphql();
    });

    it("injects dataNullWithErrors", async () => {
      await control(simulator, "POST", { kind: "dataNullWithErrors", api: "graphql" });
      const answer = await graphql(simulator);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual(graphqlInternalError);
    });

    it("injects budget", async () => {
      await control(simulator, "POST", { kind: "budget", api: "graphql", times: 1 });
      const body = JSON.parse((await graphql(simulator)).text) as GraphqlBody;
      expect(body.data).toBeNull();
      expect(body.errors?.[0]?.extensions.code).toBe("budget");
      await expectNormalGraphql();
    });

    it("injects slow with delayMs", async () => {
      const added = await control(simulator, "POST", { kind: "slow", delayMs: 50, times: 1 });
      expect(added.body).toEqual({ faults: [{ kind: "slow", api: "any", times: 1, delayMs: 50 }] });
      await expectNormalGraphql();
      expect(simulator.faults.list()).toEqual([]);
    });

    it("injects timeout, which a client abort ends", async () => {
      await control(simulator, "POST", { kind: "timeout", api: "graphql", times: 1 });
      const controller = new AbortController();
      const pending = graphqlRequest(simulator, { signal: controller.signal });
      await vi.waitFor(() => expect(simulator.faults.list()).toEqual([]));
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: "AbortError" });
      await expectNormalGraphql();
    });

    it("affects exactly `times` requests", async () => {
      await control(simulator, "POST", { kind: "serverError", api: "graphql", times: 2 });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await graphql(simulator)).status);
      expect(statuses).toEqual([500, 500, 200]);
    });

    it('keeps an api: "rest" rule away from GraphQL', async () => {
      await control(simulator, "POST", { kind: "serverError", api: "rest" });
      await expectNormalGraphql();
      expect((await rest(simulator)).status).toBe(500);
    });

    it("DELETE clears every rule", async () => {
      await control(simulator, "POST", { kind: "serverError" });
      await control(simulator, "POST", { kind: "htmlError", api: "rest" });
      expect(simulator.faults.list()).toHaveLength(2);
      expect(await control(simulator, "DELETE")).toEqual({ status: 200, body: { faults: [] } });
      expect(simulator.faults.list()).toEqual([]);
      await expectNormalGraphql();
      const answer = await rest(simulator);
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(normalRest);
    });

    it("refuses an unknown fault kind with 400 and adds nothing", async () => {
      const refused = await control(simulator, "POST", { kind: "meteorStrike" });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: expect.stringContaining("kind") });
      expect(simulator.faults.list()).toEqual([]);
    });

    it("refuses a body that is not JSON with 400", async () => {
      const response = await fetch(`http://127.0.0.1:${simulator.port}/__simulator/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      });
      expect(response.status).toBe(400);
      await response.arrayBuffer();
      expect(simulator.faults.list()).toEqual([]);
    });
  });
});

describe("close() with a request held open by a timeout fault", () => {
  let simulator: Simulator;

  beforeAll(async () => {
    simulator = await startSimulator({ clock: new VirtualClock(start) });
  });
  afterAll(async () => {
    // Safe to call twice: the test below already closed the server.
    await simulator.close();
  });

  it("finishes and ends the hanging request", async () => {
    simulator.faults.add({ kind: "timeout", api: "graphql" });
    const pending = graphqlRequest(simulator);
    // Keep the rejection handled while close() runs.
    const outcome = pending.then(
      () => "answered",
      (error: unknown) => (error instanceof TypeError ? "connection closed" : "other failure"),
    );
    await vi.waitFor(() => expect(simulator.requests.graphql).toBe(1));
    await simulator.close();
    expect(await outcome).toBe("connection closed");
  });
});
