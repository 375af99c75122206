import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { loadConfig } from "../config/config.ts";
import { createConfigProvider, overridesFromEnvironment } from "../config/provider.ts";
import { secretsManagerReader } from "../lib/aws-json.ts";
import { createLogger } from "../lib/log.ts";
import { systemClock } from "../lib/time.ts";
import { createApp, type HttpRequest, type HttpResponse } from "../serve/app.ts";
import { authRequired, readCredentials } from "../serve/credentials.ts";
import { createScrapeCache } from "../serve/scrape-cache.ts";
import { readStateWarm } from "../serve/warm-state.ts";
import { createStore } from "../store/table.ts";

/** The metrics endpoint behind a Lambda Function URL (payload format 2.0). */
export function toHttpRequest(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {}))
    if (value !== undefined) headers[name.toLowerCase()] = value;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    rawQuery: event.rawQueryString ?? "",
    headers,
  };
}

export function toResult(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  const binary = typeof response.body !== "string";
  return {
    statusCode: response.status,
    headers: response.headers,
    body: binary ? Buffer.from(response.body).toString("base64") : (response.body as string),
    isBase64Encoded: binary,
  };
}

const logger = createLogger({
  base: { service: "cloudflare-exporter", handler: "serve" },
  format: process.env.LOG_FORMAT?.trim().toLowerCase() === "pretty" ? "pretty" : "json",
});
let app: ReturnType<typeof createApp> | undefined;

async function appFromEnvironment(): Promise<ReturnType<typeof createApp>> {
  const env = process.env;
  // Settings that need a deployment (auth mode, the overrides' cache) come from the environment.
  const boot = loadConfig(env);
  const overrides = overridesFromEnvironment(env, boot.configCacheTtlSeconds);
  const store = createStore(
    env.TABLE_NAME ?? "",
    env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {},
  );
  const credentials = await readCredentials(env, secretsManagerReader({ env }));
  // The container keeps what it read, and the next scrape reads only what changed.
  const cache = createScrapeCache();
  return createApp({
    settings: createConfigProvider({ env, ...(overrides ? { overrides } : {}), logger }),
    readState: (config) => readStateWarm(store, config, cache),
    clock: systemClock,
    build: { version: env.EXPORTER_VERSION ?? "dev", runtime: process.version },
    auth: { required: authRequired(boot.metricsAuth), credentials },
    logger,
  });
}

/**
 * The Function URL's entry point, with one error boundary: whatever throws (reading the
 * credentials at boot, say) is logged and answered with a plain 500 that shows no internals.
 * No middleware framework: it wrapped this handler with no middleware at all.
 */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    app ??= await appFromEnvironment();
    return toResult(await app(toHttpRequest(event)));
  } catch (error) {
    logger.error("the endpoint failed", {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return internalError;
  }
}

export const internalError: APIGatewayProxyStructuredResultV2 = {
  statusCode: 500,
  headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  body: "internal error\n",
  isBase64Encoded: false,
};
