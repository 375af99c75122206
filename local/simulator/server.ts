import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { z } from "zod";
import {
  type AccountBasedBudget,
  AccountBasedLimiter,
  accountBasedHeader,
  chargesOf,
  defaultAccountBasedBudget,
} from "./account-budget.ts";
import { QueryCeiling, tooManyNodesMessage } from "./ceiling.ts";
import { type Clock, realClock, VirtualClock } from "./clock.ts";
import { FaultInjector, type FaultRule, faultRuleSchema } from "./faults.ts";
import { errorBody, errorResponse, type GraphqlResponse, runGraphql } from "./graphql.ts";
import { type GroundTruthQuery, groundTruth, groundTruthBy } from "./ground-truth.ts";
import { Random } from "./random.ts";
import { SlidingWindowLimiter } from "./rate-limit.ts";
import { handleRest, type RestResponse, restError } from "./rest.ts";
import { cloudflareSchema } from "./schema.ts";
import { TrafficModel } from "./traffic/model.ts";
import { buildWorld, defaultWorldSpec, findToken, type World, type WorldSpec } from "./world.ts";

export interface SimulatorOptions {
  world?: WorldSpec;
  /** Real time unless a test passes a VirtualClock. */
  clock?: Clock;
  /** 0 (default) picks a free port. The server only ever listens on 127.0.0.1. */
  port?: number;
  basePath?: string;
  /** Seconds after a minute ends until its values are final. */
  settleSeconds?: number;
  graphqlBudget?: { limit: number; windowSeconds: number };
  /** Budgets of requests that ask for account-based rate limiting (`X-Rate-Limit-Type: account-based`). */
  accountBasedBudget?: AccountBasedBudget;
  restBudget?: { limit: number; windowSeconds: number };
  /** Status of a `budget` error: Cloudflare has been seen answering both. */
  budgetStatus?: "429" | "200" | "mixed";
  /** `200` answers every GraphQL error with HTTP 200, as some Cloudflare paths do. */
  graphqlErrorStatus?: "documented" | "200";
  /** The `/__simulator/*` endpoints (ground truth, clock, faults). */
  controlApi?: boolean;
  /** Most queries (scopes × dataset nodes) in one GraphQL request; unset (default) means no ceiling. */
  queryCeiling?: number;
}

export interface Simulator {
  /** API base URL, e.g. `http://127.0.0.1:41234/client/v4` (GraphQL at `${baseUrl}/graphql`). */
  readonly baseUrl: string;
  readonly port: number;
  readonly world: World;
  readonly clock: Clock;
  readonly faults: FaultInjector;
  /** Requests answered so far, per API. */
  readonly requests: { graphql: number; rest: number };
  /** The per-request query ceiling and the requests it refused. */
  readonly ceiling: QueryCeiling;
  /** Account-based rate limiting: requests admitted per `account:<id>` / `zone:<id>` budget. */
  readonly accountBased: AccountBasedLimiter;
  groundTruth(query: GroundTruthQuery): number;
  /** Ground truth for every value of one dimension at once. */
  groundTruthBy(query: GroundTruthQuery & { by: string }): Map<string, number>;
  /**
   * A GraphQL request answered in-process with every minute settled: no budget, no faults,
   * not counted in `requests`. What any query would return once the data is final, for
   * tests that recount a range in one go.
   */
  settledGraphql(body: string, options?: { token?: string; nowSeconds?: number }): GraphqlResponse;
  close(): Promise<void>;
}

const maxBodyBytes = 1 << 20;
const budgetMessage = "rate limiter budget depleted, try again after 5 minutes";

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const world = buildWorld(options.world ?? defaultWorldSpec);
  const clock = options.clock ?? realClock;
  const basePath = (options.basePath ?? "/client/v4").replace(/\/$/, "");
  const settleSeconds = options.settleSeconds ?? 240;
  const model = new TrafficModel(world);
  const faults = new FaultInjector(world.seed);
  const graphqlBudget = options.graphqlBudget ?? { limit: 300, windowSeconds: 300 };
  const restBudget = options.restBudget ?? { limit: 1_200, windowSeconds: 300 };
  const graphqlLimiter = new SlidingWindowLimiter(graphqlBudget.limit, graphqlBudget.windowSeconds);
  const restLimiter = new SlidingWindowLimiter(
    restBudget.limit,
    restBudget.windowSeconds,
    restBudget.windowSeconds,
  );
  const accountBased = new AccountBasedLimiter(options.accountBasedBudget ?? defaultAccountBasedBudget);
  const statusRandom = new Random(world.seed, "budget-status");
  const ceiling = new QueryCeiling(options.queryCeiling);
  const requests = { graphql: 0, rest: 0 };
  const sockets = new Set<Socket>();
  cloudflareSchema();

  const nowSeconds = () => Math.floor(clock.now() / 1000);

  const budgetStatus = (): number => {
    const mode = options.budgetStatus ?? "mixed";
    if (mode === "mixed") return statusRandom.next() < 0.5 ? 429 : 200;
    return Number(mode);
  };

  const graphqlStatus = (response: GraphqlResponse): GraphqlResponse =>
    options.graphqlErrorStatus === "200" ? { ...response, status: 200 } : response;

  async function handleGraphql(
    request: IncomingMessage,
    body: string,
    response: ServerResponse,
  ): Promise<void> {
    requests.graphql += 1;
    const now = nowSeconds();
    const token = findToken(world, request.headers.authorization);
    if (request.method !== "POST") {
      return sendJson(
        response,
        errorResponse(405, [errorBody("only POST is supported on this endpoint", now)]),
      );
    }
    if (token?.status !== "active") {
      return sendJson(response, graphqlStatus(errorResponse(401, [errorBody("Unauthorized", now)])));
    }
    const admission = admitGraphql(request, body, token.value, now);
    if (admission.kind === "unsupported") {
      return sendJson(response, graphqlStatus(errorResponse(400, [errorBody(admission.message, now)])));
    }
    const fault = faults.take("graphql");
    if (!admission.admitted || fault?.kind === "budget") {
      const status = budgetStatus();
      if (!admission.admitted) ceiling.budgetAnswers += 1;
      return sendJson(response, errorResponse(status, [errorBody(budgetMessage, now, "budget")]));
    }
    if (fault && (await applyTransportFault(fault, response, "graphql"))) return;
    // A refusal for size is answered after the budget is charged: it costs a request.
    if (ceiling.refuses(body, now)) {
      return sendJson(response, graphqlStatus(errorResponse(429, [errorBody(tooManyNodesMessage, now)])));
    }
    const result = graphqlStatus(
      runGraphql(body, {
        world,
        model,
        token,
        now,
        settleSeconds,
        budgetRemaining: admission.remaining,
      }),
    );
    if (fault?.kind === "truncatedJson") return sendTruncated(response, result.body);
    return sendJson(response, result);
  }

  /** The token's budget, or (asked for with the header) each account's and zone's the request names. */
  function admitGraphql(
    request: IncomingMessage,
    body: string,
    token: string,
    now: number,
  ): { kind: "unsupported"; message: string } | { kind: "budget"; admitted: boolean; remaining: number } {
    if (String(request.headers[accountBasedHeader] ?? "").toLowerCase() !== "account-based") {
      const admitted = graphqlLimiter.admit(token, now).admitted;
      return { kind: "budget", admitted, remaining: graphqlLimiter.remaining(token, now) };
    }
    const charges = chargesOf(body);
    if (charges.kind === "unsupported") return charges;
    const admitted = accountBased.admit(charges.keys, now);
    const remaining = charges.keys.length > 0 ? accountBased.remaining(charges.keys, now) : 0;
    return { kind: "budget", admitted, remaining };
  }

  async function handleRestRequest(
    request: IncomingMessage,
    url: URL,
    response: ServerResponse,
  ): Promise<void> {
    requests.rest += 1;
    const now = nowSeconds();
    const token = findToken(world, request.headers.authorization);
    const admission = restLimiter.admit(token?.value ?? "anonymous", now);
    response.setHeader("Ratelimit-Policy", `"default";q=${restBudget.limit};w=${restBudget.windowSeconds}`);
    if (!admission.admitted) {
      ceiling.budgetAnswers += 1;
      response.setHeader("Retry-After", String(admission.retryAfterSeconds));
      response.setHeader("Ratelimit", `"default";r=0;t=${admission.retryAfterSeconds}`);
      return sendJson(
        response,
        restError(429, {
          code: 971,
          message: `More than ${restBudget.limit} requests per ${restBudget.windowSeconds} seconds reached. Please wait and consider throttling your request speed`,
        }),
      );
    }
    response.setHeader("Ratelimit", `"default";r=${admission.remaining};t=${admission.resetSeconds}`);
    const fault = faults.take("rest");
    if (fault?.kind === "budget") {
      response.setHeader("Retry-After", String(restBudget.windowSeconds));
      return sendJson(
        response,
        restError(429, { code: 971, message: "Please wait and consider throttling your request speed" }),
      );
    }
    if (fault && (await applyTransportFault(fault, response, "rest"))) return;
    const result = handleRest(world, {
      method: request.method ?? "GET",
      path: url.pathname.slice(basePath.length) || "/",
      query: url.searchParams,
      token,
      hasAuthorization: request.headers.authorization !== undefined,
    });
    if (fault?.kind === "truncatedJson") return sendTruncated(response, result.body);
    return sendJson(response, result);
  }

  /** Applies faults that replace the answer; returns false when the real answer should follow. */
  async function applyTransportFault(
    fault: FaultRule,
    response: ServerResponse,
    api: "graphql" | "rest",
  ): Promise<boolean> {
    const now = nowSeconds();
    switch (fault.kind) {
      case "timeout":
        return true; // never answered; the socket is destroyed on close()
      case "slow":
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        return false;
      case "serverError":
        sendJson(
          response,
          api === "graphql"
            ? errorResponse(fault.status ?? 500, [errorBody("Internal server error", now)])
            : restError(fault.status ?? 500, { code: 10000, message: "Internal server error" }),
        );
        return true;
      case "unavailable":
        sendJson(
          response,
          api === "graphql"
            ? errorResponse(503, [errorBody("unable to execute query, please try again later", now)])
            : restError(503, { code: 10000, message: "Service temporarily unavailable" }),
        );
        return true;
      case "dataNullWithErrors":
        sendJson(
          response,
          api === "graphql"
            ? errorResponse(200, [errorBody("Internal server error", now)])
            : {
                status: 200,
                body: {
                  success: false,
                  errors: [{ code: 10000, message: "Internal server error" }],
                  messages: [],
                  result: null,
                },
              },
        );
        return true;
      case "htmlError": {
        const status = fault.status ?? 502;
        // Cloudflare's edge names the request in a cf-ray header as well as on the page.
        response.writeHead(status, {
          "content-type": "text/html; charset=UTF-8",
          "cf-ray": "8c2f0e1a9b7d4e3f-LHR",
        });
        response.end(
          `<!DOCTYPE html><html><head><title>${status} Bad gateway</title></head><body><h1>Error ${status}</h1><p>Bad gateway. The web server reported a bad gateway error.</p><p>Ray ID: 8c2f0e1a9b7d4e3f</p></body></html>`,
        );
        return true;
      }
      default:
        return false;
    }
  }

  async function handleControl(
    request: IncomingMessage,
    url: URL,
    body: string,
    response: ServerResponse,
  ): Promise<void> {
    const route = url.pathname.slice("/__simulator".length);
    if (route === "/ground-truth" && request.method === "GET") {
      const where: Record<string, string[]> = {};
      for (const [key, value] of url.searchParams) {
        if (!key.startsWith("where.")) continue;
        const name = key.slice("where.".length);
        where[name] = [...(where[name] ?? []), value];
      }
      const parsed = groundTruthParams.safeParse(Object.fromEntries(url.searchParams));
      if (!parsed.success) return sendPlain(response, 400, { error: z.prettifyError(parsed.error) });
      try {
        const value = groundTruth(model, world, { ...parsed.data, where });
        return sendPlain(response, 200, { value });
      } catch (error) {
        return sendPlain(response, 400, { error: (error as Error).message });
      }
    }
    if (route === "/clock") {
      if (request.method === "POST") {
        if (!(clock instanceof VirtualClock))
          return sendPlain(response, 409, { error: "the simulator runs on real time" });
        const parsed = clockCommand.safeParse(safeJson(body));
        if (!parsed.success) return sendPlain(response, 400, { error: z.prettifyError(parsed.error) });
        if (parsed.data.set !== undefined) clock.set(Date.parse(parsed.data.set));
        if (parsed.data.advanceSeconds !== undefined) clock.advance(parsed.data.advanceSeconds * 1000);
      }
      return sendPlain(response, 200, {
        now: new Date(clock.now()).toISOString(),
        virtual: clock instanceof VirtualClock,
      });
    }
    if (route === "/faults") {
      if (request.method === "POST") {
        const parsed = faultRuleSchema.safeParse(safeJson(body));
        if (!parsed.success) return sendPlain(response, 400, { error: z.prettifyError(parsed.error) });
        faults.add(parsed.data);
      } else if (request.method === "DELETE") {
        faults.clear();
      }
      return sendPlain(response, 200, { faults: faults.list() });
    }
    if (route === "/world" && request.method === "GET") {
      return sendPlain(response, 200, {
        accounts: world.accounts.map((a) => ({ id: a.id, name: a.name, type: a.type })),
        zones: world.zones.map((z) => ({ id: z.id, name: z.name, plan: z.plan, accountId: z.accountId })),
        tokens: world.tokens.map((t) => ({ value: t.value, kind: t.kind, status: t.status })),
      });
    }
    return sendPlain(response, 404, { error: "unknown simulator control route" });
  }

  const server: Server = createServer((request, response) => {
    readBody(request)
      .then(async (body) => {
        const url = new URL(request.url ?? "/", "http://127.0.0.1");
        if (options.controlApi !== false && url.pathname.startsWith("/__simulator/")) {
          return handleControl(request, url, body, response);
        }
        if (!url.pathname.startsWith(`${basePath}/`)) {
          return sendJson(response, restError(404, { code: 7000, message: "No route for that URI" }));
        }
        const rest = url.pathname.slice(basePath.length);
        if (rest === "/graphql" || rest === "/graphql/") return handleGraphql(request, body, response);
        return handleRestRequest(request, url, response);
      })
      .catch((error: unknown) => {
        if (error instanceof BodyTooLargeError) {
          return sendJson(response, restError(413, { code: 10413, message: "Request entity too large" }));
        }
        sendJson(
          response,
          restError(500, { code: 10000, message: `simulator failure: ${(error as Error).message}` }),
        );
      });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://127.0.0.1:${port}${basePath}`,
    port,
    world,
    clock,
    faults,
    requests,
    ceiling,
    accountBased,
    groundTruth: (query) => groundTruth(model, world, query),
    groundTruthBy: (query) => groundTruthBy(model, world, query),
    settledGraphql: (body, { token: tokenValue = "sim-token", nowSeconds: now = nowSeconds() } = {}) => {
      const token = world.tokens.find((t) => t.value === tokenValue);
      if (!token) throw new RangeError(`unknown token ${tokenValue}`);
      return runGraphql(body, {
        world,
        model,
        token,
        now,
        settleSeconds: 0,
        budgetRemaining: Number.POSITIVE_INFINITY,
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const groundTruthParams = z.object({
  dataset: z.string(),
  field: z.string(),
  zoneTag: z.string().optional(),
  accountTag: z.string().optional(),
  from: z.string().transform((value, ctx) => toSeconds(value, ctx)),
  to: z.string().transform((value, ctx) => toSeconds(value, ctx)),
});

const clockCommand = z.object({
  set: z.iso.datetime().optional(),
  advanceSeconds: z.number().nonnegative().optional(),
});

function toSeconds(value: string, ctx: z.RefinementCtx): number {
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: "custom", message: `not a time: ${value}` });
    return z.NEVER;
  }
  return ms / 1000;
}

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

class BodyTooLargeError extends Error {}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(new BodyTooLargeError());
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function sendJson(response: ServerResponse, result: RestResponse | GraphqlResponse): void {
  response.writeHead(result.status, { "content-type": "application/json" });
  response.end(JSON.stringify(result.body));
}

function sendPlain(response: ServerResponse, status: number, body: unknown): void {
  sendJson(response, { status, body });
}

function sendTruncated(response: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(200, { "content-type": "application/json" });
  response.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
}
