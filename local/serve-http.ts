import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../lambda/lib/log.ts";
import type { createApp, HttpRequest } from "../lambda/serve/app.ts";

/**
 * The request as the Lambda Function URL hands it over: the raw path (everything before the
 * first `?`, nothing decoded or normalized) and the raw query. Never parsed as a URL: a
 * target such as `//metrics` or `//[` is a path, not a host.
 */
export function toHttpRequest(incoming: IncomingMessage): HttpRequest {
  const target = incoming.url ?? "/";
  const cut = target.indexOf("?");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return {
    method: incoming.method ?? "GET",
    path: cut < 0 ? target : target.slice(0, cut),
    rawQuery: cut < 0 ? "" : target.slice(cut + 1),
    headers,
  };
}

function internalError(outgoing: ServerResponse): void {
  if (outgoing.headersSent) {
    outgoing.destroy();
    return;
  }
  outgoing.writeHead(500, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  outgoing.end("internal error\n");
}

/** The same endpoint as the Lambda, on a plain Node HTTP server (local mode). */
export async function serveHttp(
  app: ReturnType<typeof createApp>,
  port: number,
  host = "127.0.0.1",
  logger?: Logger,
): Promise<{ server: Server; url: string }> {
  // The last resort: whatever a request does, it gets an answer and the server keeps serving.
  const failed = (outgoing: ServerResponse, error: unknown) => {
    logger?.error("answering a request failed", { error });
    internalError(outgoing);
  };
  const server = createServer((incoming, outgoing) => {
    try {
      app(toHttpRequest(incoming))
        .then((response) => {
          outgoing.writeHead(response.status, response.headers);
          outgoing.end(response.body);
        })
        .catch((error: unknown) => failed(outgoing, error));
    } catch (error) {
      failed(outgoing, error);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${bound}` };
}
