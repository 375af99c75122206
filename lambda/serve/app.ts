import { once } from "node:events";
import { constants, createGzip } from "node:zlib";
import type { Config } from "../config/config.ts";
import type { ConfigProvider } from "../config/provider.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import { type ChunkPool, createChunkPool, releaseChunk } from "../exposition/bytes.ts";
import { createSortMemory, type SortMemory } from "../exposition/model.ts";
import { openMetricsBuffers, openMetricsContentType, wantsOpenMetrics } from "../exposition/openmetrics.ts";
import { textBuffers, textContentType } from "../exposition/text.ts";
import type { Logger } from "../lib/log.ts";
import { acceptsGzip } from "../lib/negotiation.ts";
import type { Clock } from "../lib/time.ts";
import { type Credentials, challenge, checkAuthorization } from "./auth.ts";
import { configView } from "./config-view.ts";
import { type BuildInfo, buildFamilies, configErrorsFamily, knownFamilies } from "./families.ts";
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
  /** Read at every request; the provider's cache decides when overrides are read again. */
  settings: ConfigProvider;
  readState: (config: Config) => Promise<StoredState>;
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

const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { "content-type": "application/json", "cache-control": "no-store" },
  body: JSON.stringify(body),
});

export function createApp(deps: AppDeps): (request: HttpRequest) => Promise<HttpResponse> {
  // /health may be polled often; one container reuses its state read for a few seconds.
  let healthRead: { at: number; state: StoredState } | undefined;
  // Each family's last sort, where the next one starts (exposition/model.ts).
  const sortMemory = createSortMemory();
  // The buffers the exposition is printed into, reused from scrape to scrape.
  const pool = createChunkPool();

  const answer = async (request: HttpRequest): Promise<HttpResponse> => {
    const refused = refusal(request, deps.auth);
    if (refused) return refused;
    let resolved: ResolvedConfig;
    try {
      resolved = await deps.settings.current();
    } catch (error) {
      deps.logger.error("the configuration is invalid", { error });
      return text(500, "the exporter's configuration is invalid; see its log");
    }
    const { config } = resolved;
    const routes = new Set([
      config.metricsPath,
      "/health",
      ...(config.disableUi ? [] : ["/"]),
      ...(config.disableConfigApi ? [] : ["/config"]),
    ]);
    if (!routes.has(request.path)) return text(404, "Not Found");
    if (request.method !== "GET" && request.method !== "HEAD")
      return text(405, "Method Not Allowed", { allow: "GET, HEAD" });

    let response: HttpResponse;
    if (request.path === "/config") response = json(200, configView(resolved));
    else {
      const now = deps.clock();
      const cached =
        request.path === "/health" &&
        healthRead &&
        now - healthRead.at < config.healthCheckCacheTtlSeconds * 1000;
      let state: StoredState;
      try {
        state = cached && healthRead ? healthRead.state : await deps.readState(config);
      } catch (error) {
        deps.logger.error("reading stored state failed", { error });
        return text(503, "stored state is unavailable; try again shortly");
      }
      if (request.path === "/health" && !cached) healthRead = { at: now, state };
      if (request.path === config.metricsPath) logReads(deps.logger, state);
      response = await respond(request, state, resolved, deps, { sortMemory, pool });
    }
    return response;
  };
  // HEAD gets no body, whatever the answer (a 400 or 404 too): the Lambda adapter sends
  // what it is given, while Node's server drops it, and both must answer alike.
  return async (request) => {
    const response = await answer(request);
    return request.method === "HEAD" ? { ...response, body: "" } : response;
  };
}

/**
 * One line a scrape (a minute, for one Prometheus): how many accounts came from what the
 * container held and how many were read whole, for a Logs Insights query to take the warm
 * share from (docs/deploy.md, "Costs, roughly"). Counts only, never a setting or a secret.
 * A line of about 200 bytes a minute is under 0.3 MB of log a day, well under a cent a
 * month of CloudWatch Logs. Without the read units: the reads do not ask DynamoDB for them.
 */
function logReads(logger: Logger, state: StoredState): void {
  const reads = state.reads ?? { accountsHeld: 0, accountsRead: state.accounts.length };
  logger.info("scrape read the stored state", { ...reads });
}

/** The answer to a request too large or without valid credentials; none when it may go on. */
function refusal(request: HttpRequest, auth: AppDeps["auth"]): HttpResponse | undefined {
  if (request.path.length > limits.path || request.rawQuery.length > limits.query)
    return text(400, "request URI too long");
  if (Object.values(request.headers).some((value) => (value?.length ?? 0) > limits.header)) {
    return text(400, "request header too large");
  }
  if (!auth.required) return undefined;
  const result = checkAuthorization(request.headers.authorization, auth.credentials);
  if (result.ok) return undefined;
  return text(
    401,
    result.reason === "credentials required" ? "Unauthorized" : `Unauthorized: ${result.reason}`,
    { "www-authenticate": challenge },
  );
}

async function respond(
  request: HttpRequest,
  state: StoredState,
  resolved: ResolvedConfig,
  deps: AppDeps,
  kept: { sortMemory: SortMemory; pool: ChunkPool },
): Promise<HttpResponse> {
  const { config } = resolved;
  if (request.path === "/health") {
    const result = health(state, config, deps.clock());
    return json(result.status === "healthy" ? 200 : 503, {
      ...result,
      timestamp: new Date(deps.clock()).toISOString(),
    });
  }
  if (request.path === "/") {
    return {
      status: 200,
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
      body: statusPage(state, health(state, config, deps.clock()), config, deps.clock()),
    };
  }
  const families = buildFamilies(state, config, deps.build, knownFamilies, deps.clock());
  if (resolved.issues.length > 0 && !config.metricsDenylist.includes("cloudflare_exporter_config_errors"))
    families.push(configErrorsFamily(resolved.issues));
  const openMetrics = wantsOpenMetrics(request.headers.accept);
  const { sortMemory, pool } = kept;
  const chunks = openMetrics
    ? openMetricsBuffers(families, sortMemory, pool)
    : textBuffers(families, sortMemory, pool);
  const headers: Record<string, string> = {
    "content-type": openMetrics ? openMetricsContentType : textContentType,
    "cache-control": "no-store",
    vary: "accept, accept-encoding",
  };
  if (acceptsGzip(request.headers["accept-encoding"])) {
    return {
      status: 200,
      headers: { ...headers, "content-encoding": "gzip" },
      body: await gzipEach(chunks, pool),
    };
  }
  // Rare (Prometheus asks for gzip): the chunks are let go, not given back to the pool.
  return { status: 200, headers, body: Buffer.concat([...chunks]).toString("utf8") };
}

/** Chunks written to gzip and not yet compressed, at most (about 1 MB of text). */
const chunksInFlight = 4;

/**
 * Compresses the exposition as it is printed, in one gzip stream: each chunk (about 256 KB
 * of text, exposition/bytes.ts) is compressed off the main thread while the next is
 * printed, and its buffer goes back to the pool once compressed, so the uncompressed text
 * is never held whole. One stream rather than a gzip member per chunk: each member's own
 * compressor cost about a millisecond of the main thread to set up. Level 1: the text is
 * repetitive enough that faster compression costs a few percent of size, and the scrape's
 * time is what matters.
 */
async function gzipEach(chunks: Iterable<Buffer>, pool: ChunkPool): Promise<Uint8Array> {
  const stream = createGzip({ level: constants.Z_BEST_SPEED });
  const compressed: Buffer[] = [];
  stream.on("data", (part: Buffer) => compressed.push(part));
  const ended = once(stream, "end");
  // Awaited below; a failure while chunks are still written is not an unhandled one.
  ended.catch(() => undefined);
  const written: Promise<void>[] = [];
  for (const chunk of chunks) {
    written.push(
      new Promise((resolve) =>
        stream.write(chunk, (error) => {
          if (!error) releaseChunk(pool, chunk);
          resolve();
        }),
      ),
    );
    // A turn of the event loop lets the compression go on (each step's completion runs on
    // this thread) while the next chunk is printed; at most a few chunks wait for it.
    const waited = written[written.length - 1 - chunksInFlight];
    await (waited ?? new Promise(setImmediate));
  }
  stream.end();
  await ended;
  return compressed.length === 1 ? (compressed[0] as Buffer) : Buffer.concat(compressed);
}
