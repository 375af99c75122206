import { gzipSync } from "node:zlib";
import type { Config } from "../config/config.ts";
import { openMetricsContentType, renderOpenMetrics, wantsOpenMetrics } from "../exposition/openmetrics.ts";
import { renderText, textContentType } from "../exposition/text.ts";
import type { Logger } from "../lib/log.ts";
import type { Clock } from "../lib/time.ts";
import { type Credentials, challenge, checkAuthorization } from "./auth.ts";
import { type BuildInfo, buildFamilies } from "./families.ts";
import { health } from "./health.ts";
import type { StoredState } from "./state.ts";
import { statusPage } from "./status-page.ts";

/**
 * The endpoint, independent of how requests arrive: the Lambda Function URL adapter and
 * the local HTTP server both call this one function.
 */
export interface HttpRequest {
  method: string;
  path: string;
  rawQuery: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

export interface AppDeps {
  config: Config;
  readState: () => Promise<StoredState>;
  clock: Clock;
  build: BuildInfo;
  /** `required: false` only when the operator opted out (or local mode without credentials). */
  auth: { required: boolean; credentials: Credentials };
  logger: Logger;
}

const limits = { path: 1_024, query: 2_048, header: 8_192 };

const text = (status: number, body: string, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers },
  body: `${body}\n`,
});

export function createApp(deps: AppDeps): (request: HttpRequest) => Promise<HttpResponse> {
  const { config } = deps;
  const routes = new Set([config.metricsPath, "/health", ...(config.disableUi ? [] : ["/"])]);

  return async (request) => {
    if (request.path.length > limits.path || request.rawQuery.length > limits.query)
      return text(400, "request URI too long");
    if (Object.values(request.headers).some((value) => (value?.length ?? 0) > limits.header)) {
      return text(400, "request header too large");
    }
    if (deps.auth.required) {
      const result = checkAuthorization(request.headers.authorization, deps.auth.credentials);
      if (!result.ok)
        return text(
          401,
          result.reason === "credentials required" ? "Unauthorized" : `Unauthorized: ${result.reason}`,
          { "www-authenticate": challenge },
        );
    }
    if (!routes.has(request.path)) return text(404, "Not Found");
    if (request.method !== "GET" && request.method !== "HEAD")
      return text(405, "Method Not Allowed", { allow: "GET, HEAD" });

    let state: StoredState;
    try {
      state = await deps.readState();
    } catch (error) {
      deps.logger.error("reading stored state failed", { error });
      return text(503, "stored state is unavailable; try again shortly");
    }
    const response = respond(request, state, deps);
    return request.method === "HEAD" ? { ...response, body: "" } : response;
  };
}

function respond(request: HttpRequest, state: StoredState, deps: AppDeps): HttpResponse {
  const { config } = deps;
  if (request.path === "/health") {
    const result = health(state, config, deps.clock());
    return {
      status: result.status === "healthy" ? 200 : 503,
      headers: { "content-type": "application/json", "cache-control": "no-store" },
      body: JSON.stringify({ ...result, timestamp: new Date(deps.clock()).toISOString() }),
    };
  }
  if (request.path === "/") {
    return {
      status: 200,
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
      body: statusPage(state, health(state, config, deps.clock()), config),
    };
  }
  const families = buildFamilies(state, config, deps.build);
  const openMetrics = wantsOpenMetrics(request.headers.accept);
  const body = openMetrics ? renderOpenMetrics(families) : renderText(families);
  const headers: Record<string, string> = {
    "content-type": openMetrics ? openMetricsContentType : textContentType,
    "cache-control": "no-store",
    vary: "accept, accept-encoding",
  };
  if (acceptsGzip(request.headers["accept-encoding"])) {
    return { status: 200, headers: { ...headers, "content-encoding": "gzip" }, body: gzipSync(body) };
  }
  return { status: 200, headers, body };
}

function acceptsGzip(header: string | undefined): boolean {
  return (header ?? "").split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return (coding === "gzip" || coding === "*") && (q === undefined || Number(q.slice(2)) > 0);
  });
}
