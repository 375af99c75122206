import type { Server } from "node:http";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { staticConfigProvider } from "../../lambda/config/provider.ts";
import { toHttpRequest, toResult } from "../../lambda/handlers/serve.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { createApp } from "../../lambda/serve/app.ts";
import type { StoredState } from "../../lambda/serve/state.ts";
import { serveHttp } from "../../local/serve-http.ts";

/**
 * One endpoint behind both adapters: the local HTTP server (real sockets) and the Lambda
 * Function URL adapter (a payload 2.0 event in, the structured result out). Answers are
 * compared without the headers only a socket adds (date, connection, content-length).
 */
export const now = Date.UTC(2026, 10, 20, 12, 0, 30);

/** One account whose newest minute and last run are 30 s old: every page answers 2xx. */
export const healthyState: StoredState = {
  accounts: [
    {
      account: { id: "a".repeat(32), name: "Example Corp" },
      zones: [{ id: "z".repeat(32), name: "example.com", plan: "pro", settings: {} }],
      shards: [
        {
          group: "http-requests-1m",
          scopeId: "z".repeat(32),
          index: 0,
          cursor: now / 1000 - 30,
          start: now / 1000 - 3_630,
          series: {},
          lostMinutes: 0,
          dropped: {},
          stored: true,
        },
      ],
      status: {
        errors: new Map(),
        graphqlRequests: 1,
        restRequests: 1,
        rateLimitEvents: 0,
        lastRun: { finishedAt: now - 30_000, minutesCounted: 1, errorCount: 0 },
      },
    },
  ],
};

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: string;
  /** The request-target exactly as sent: path and query, nothing decoded or normalized. */
  target: string;
  /** Lower-case names, one value each. */
  headers: Record<string, string>;
}

const socketOnly = new Set(["date", "connection", "keep-alive", "content-length", "transfer-encoding"]);

type Auth = Parameters<typeof createApp>[0]["auth"];
const open: Auth = { required: false, credentials: {} };

export function testApp(logger = memoryLogger(), auth: Auth = open) {
  return createApp({
    settings: staticConfigProvider(),
    readState: async () => healthyState,
    clock: () => now,
    build: { version: "test", runtime: "v24" },
    auth,
    logger,
  });
}

export async function startAdapters(logger = memoryLogger(), auth: Auth = open) {
  const app = testApp(logger, auth);
  const served = await serveHttp(app, 0, "127.0.0.1", logger);
  const { port } = new URL(served.url);

  const viaHttp = (raw: RawRequest) =>
    new Promise<Answer>((resolve, reject) => {
      const outgoing = httpRequest(
        { host: "127.0.0.1", port, method: raw.method, path: raw.target, headers: raw.headers, agent: false },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("end", () => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(incoming.headers))
              if (value !== undefined && !socketOnly.has(name))
                headers[name] = Array.isArray(value) ? value.join(", ") : value;
            resolve({
              status: incoming.statusCode ?? 0,
              headers,
              body: Buffer.concat(chunks).toString("latin1"),
            });
          });
        },
      );
      outgoing.on("error", reject);
      outgoing.end();
    });

  const viaLambda = async (raw: RawRequest): Promise<Answer> => {
    const cut = raw.target.indexOf("?");
    const event = {
      version: "2.0",
      rawPath: cut < 0 ? raw.target : raw.target.slice(0, cut),
      rawQueryString: cut < 0 ? "" : raw.target.slice(cut + 1),
      headers: { host: `127.0.0.1:${port}`, ...raw.headers },
      requestContext: { http: { method: raw.method } },
    } as unknown as APIGatewayProxyEventV2;
    const result = toResult(await app(toHttpRequest(event)));
    const body = result.isBase64Encoded
      ? Buffer.from(result.body ?? "", "base64").toString("latin1")
      : Buffer.from(result.body ?? "", "utf8").toString("latin1");
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    return { status: result.statusCode ?? 0, headers, body };
  };

  /** Bytes written as they are, for request lines no HTTP client would send. */
  const rawBytes = (bytes: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1");
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
      socket.end(bytes);
    });

  const close = () => new Promise<void>((resolve) => (served.server as Server).close(() => resolve()));
  return { viaHttp, viaLambda, rawBytes, close, logger };
}
