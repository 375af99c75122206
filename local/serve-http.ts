import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { createApp, HttpRequest } from "../lambda/serve/app.ts";

/** The same endpoint as the Lambda, on a plain Node HTTP server (local mode). */
export async function serveHttp(
  app: ReturnType<typeof createApp>,
  port: number,
  host = "127.0.0.1",
): Promise<{ server: Server; url: string }> {
  const server = createServer((incoming, outgoing) => {
    const url = new URL(incoming.url ?? "/", "http://localhost");
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const request: HttpRequest = {
      method: incoming.method ?? "GET",
      path: url.pathname,
      rawQuery: url.search.replace(/^\?/, ""),
      headers,
    };
    app(request)
      .then((response) => {
        outgoing.writeHead(response.status, response.headers);
        outgoing.end(response.body);
      })
      .catch(() => {
        outgoing.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        outgoing.end("internal error\n");
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${bound}` };
}
