import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { serveHttp } from "../../local/serve-http.ts";
import { startAdapters } from "./adapters.ts";

let adapters: Awaited<ReturnType<typeof startAdapters>>;
beforeAll(async () => {
  adapters = await startAdapters();
});
afterAll(() => adapters.close());

const statusOf = (answer: string) => Number(answer.split(" ")[1]);

describe("local mode survives any request target", () => {
  it.each(["//[", "//x:99999/metrics", "http://[/metrics", "//%25/"])(
    "%s: a 4xx answer, then the next request is served",
    async (target) => {
      const answer = await adapters.rawBytes(
        `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(statusOf(answer)).toBe(404);
      const next = await adapters.rawBytes("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      expect(statusOf(next)).toBe(200);
    },
  );
});

describe("both adapters route on the raw path", () => {
  // [request-target, status]: a path beginning with // is a path, never a host.
  const table: [string, number][] = [
    ["/metrics", 200],
    ["/metrics?x=1", 200],
    ["/", 200],
    ["/config", 200],
    ["/health", 200],
    ["//metrics", 404],
    ["///metrics", 404],
    ["//x/config", 404],
    ["//x/", 404],
    ["/metrics/", 404],
    ["/a/../metrics", 404],
    ["/./metrics", 404],
    ["/%6detrics", 404],
    ["/metrics#x", 404],
  ];
  it.each(table)("%s answers %i through both adapters", async (target, status) => {
    const request = { method: "GET", target, headers: {} };
    const [http, lambda] = [await adapters.viaHttp(request), await adapters.viaLambda(request)];
    expect(http.status).toBe(status);
    expect(lambda).toEqual(http);
  });
});

describe("HEAD through both adapters", () => {
  it.each([
    ["a 1,100-character path (400)", `/${"m".repeat(1_100)}`],
    ["an unknown path (404)", "/nowhere"],
    ["the metrics (200)", "/metrics"],
  ])("%s: headers only, the same from both", async (_, target) => {
    const request = { method: "HEAD", target, headers: {} };
    const [http, lambda] = [await adapters.viaHttp(request), await adapters.viaLambda(request)];
    expect(lambda.body).toBe("");
    expect(lambda).toEqual(http);
  });
});

describe("local mode's last resort", () => {
  it("an endpoint that throws: logged, answered 500, and the server keeps serving", async () => {
    const logger = memoryLogger();
    let calls = 0;
    const served = await serveHttp(
      () => {
        calls += 1;
        if (calls === 1) throw new TypeError("thrown before any promise");
        if (calls === 2) return Promise.reject(new Error("rejected"));
        return Promise.resolve({ status: 200, headers: {}, body: "ok\n" });
      },
      0,
      "127.0.0.1",
      logger,
    );
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${served.url}/metrics`)).status);
    await new Promise((resolve) => served.server.close(resolve));
    expect(statuses).toEqual([500, 500, 200]);
    expect(logger.lines.map((line) => [line.level, line.message, line.error])).toEqual([
      ["error", "answering a request failed", { name: "TypeError", message: "thrown before any promise" }],
      ["error", "answering a request failed", { name: "Error", message: "rejected" }],
    ]);
  });
});
