import {
  createServer,
  Agent as HttpAgent,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { httpPost, NetworkError } from "../../lambda/lib/https-post.ts";

/**
 * The POST the AWS JSON calls send by (lambda/lib/https-post.ts), against a real HTTP
 * server on 127.0.0.1: what arrives, what is answered, and each way of getting no answer.
 */
type Respond = (request: IncomingMessage, response: ServerResponse) => void;
let server: Server;
let base: URL;
let respond: Respond;
const received: {
  method?: string;
  url?: string;
  headers: IncomingMessage["headers"];
  body: string;
  port?: number;
}[] = [];
const json: Respond = (_, response) => {
  response.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
  response.end('{"ok":true}');
};

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const { method, url, headers } = request;
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ method, url, headers, body, port: request.socket.remotePort });
      respond(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  received.length = 0;
  respond = json;
});

const post = (url: URL, body = "{}", timeoutMs = 5_000, send = httpPost()) =>
  send(url, {
    headers: { host: url.host, "x-amz-target": "AmazonSSM.GetParametersByPath" },
    body,
    timeoutMs,
  });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as NetworkError & { cause?: { code?: string } },
  );

describe("a POST", () => {
  it("sends the headers and body as given, and answers the status, headers and text", async () => {
    respond = (_, response) => {
      response.writeHead(400, [
        ["x-amzn-errortype", "ThrottlingException:http://internal.amazon.com/"],
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
      ]);
      response.end('{"message":"Rate exceeded"}');
    };
    const url = new URL("/path?page=2", base);
    const answer = await post(url, '{"Path":"/exporter/é"}');
    expect(received).toEqual([
      {
        method: "POST",
        url: "/path?page=2",
        headers: {
          host: url.host,
          "x-amz-target": "AmazonSSM.GetParametersByPath",
          "content-length": "23",
          connection: "keep-alive",
        },
        body: '{"Path":"/exporter/é"}',
        port: expect.any(Number),
      },
    ]);
    expect([answer.status, answer.text]).toEqual([400, '{"message":"Rate exceeded"}']);
    expect(answer.headers.get("x-amzn-errortype")).toBe("ThrottlingException:http://internal.amazon.com/");
    expect(answer.headers.get("set-cookie")).toBe("a=1, b=2");
    expect(answer.headers.get("x-amz-target")).toBeUndefined();
  });

  it("keeps the connection for the next one (Node's global agents, or those given)", async () => {
    await post(base);
    await post(base);
    const agent = new HttpAgent({ keepAlive: true });
    const send = httpPost({ http: agent });
    await post(base, "{}", 5_000, send);
    await post(base, "{}", 5_000, send);
    agent.destroy();
    const [first, second, third, fourth] = received.map((request) => request.port);
    expect([second, fourth]).toEqual([first, third]);
    expect(third).not.toBe(first);
  });

  it("goes over TLS for an https URL, by the https agent given", async () => {
    let connections = 0;
    const https = new (class extends HttpsAgent {
      override createConnection(...args: Parameters<HttpsAgent["createConnection"]>) {
        connections++;
        return super.createConnection(...args);
      }
    })();
    const url = new URL(base.href.replace("http:", "https:"));
    const error = await failure(post(url, "{}", 5_000, httpPost({ https })));
    expect([error?.constructor, connections, received]).toEqual([NetworkError, 1, []]);
  });
});

describe("no answer", () => {
  it("within the time given: a NetworkError, waiting for the answer or for its body", async () => {
    const held: ServerResponse[] = [];
    respond = (_, response) => held.push(response);
    const error = await failure(post(base, "{}", 50));
    respond = (_, response) => {
      response.writeHead(200);
      response.write('{"Parameters":[');
    };
    const midway = await failure(post(base, "{}", 50));
    for (const timedOut of [error, midway]) {
      expect(timedOut).toBeInstanceOf(NetworkError);
      expect([timedOut?.name, timedOut?.message]).toEqual(["NetworkError", "no answer within 50 ms"]);
    }
    expect(received).toHaveLength(2);
  });

  it("from a refused connection: a NetworkError with the socket's error as its cause", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(post(new URL(`http://127.0.0.1:${port}/`)));
    expect(error).toBeInstanceOf(NetworkError);
    expect([error?.message, error?.cause?.code]).toEqual([
      `connect ECONNREFUSED 127.0.0.1:${port}`,
      "ECONNREFUSED",
    ]);
  });

  it("from a connection reset: a NetworkError", async () => {
    respond = (request) => (request.socket as Socket).destroy();
    const error = await failure(post(base, "{}", 5_000, httpPost({ http: new HttpAgent() })));
    expect(error).toBeInstanceOf(NetworkError);
    expect([error?.message, error?.cause?.code]).toEqual(["socket hang up", "ECONNRESET"]);
  });
});
