import { METHODS } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { type RawRequest, startAdapters } from "./adapters.ts";

/**
 * Property-based requests through both adapters - the local HTTP server over a real socket
 * and the Lambda Function URL adapter - with a fixed seed, so a failure is reproducible
 * and the run is the same every time: never a throw, never a 5xx, the same answer from
 * both. Request-targets are what an HTTP/1.1 parser lets through (bytes 0x21-0x7E, any
 * byte percent-encoded); bytes outside that range are refused by the parser itself (400)
 * before any adapter runs, checked at the end.
 */
const seed = 20_2611_30;
const numRuns = 600;
const token = "fuzz-token-0123456789";

let adapters: Awaited<ReturnType<typeof startAdapters>>;
const logger = memoryLogger();
beforeAll(async () => {
  adapters = await startAdapters(logger, { required: true, credentials: { bearerToken: token } });
});
afterAll(() => adapters.close());

const visible = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
const percentByte = fc.integer({ min: 0, max: 255 }).map((byte) => `%${byte.toString(16).padStart(2, "0")}`);
const segment = fc.oneof(
  fc.constantFrom("metrics", "health", "config", "", ".", "..", "%2e", "%2F", "[", "x:99999", "%25"),
  fc.string({ unit: fc.oneof({ weight: 4, arbitrary: visible }, percentByte), maxLength: 12 }),
);
const path = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      "/metrics",
      "/health",
      "/config",
      "/",
      "//metrics",
      "///metrics",
      "//[",
      "/a/../metrics",
    ),
  },
  { weight: 4, arbitrary: fc.array(segment, { minLength: 1, maxLength: 6 }).map((s) => `/${s.join("/")}`) },
  { weight: 1, arbitrary: fc.constant(`/${"m".repeat(1_100)}`) },
);
const query = fc.oneof(
  { weight: 6, arbitrary: fc.constant("") },
  fc.string({ unit: fc.oneof(visible, percentByte), maxLength: 20 }).map((q) => `?${q}`),
  { weight: 1, arbitrary: fc.constant(`?${"q".repeat(2_100)}`) },
);
const target = fc.tuple(path, query).map(([p, q]) => p + q);

const weight = fc.constantFrom(
  "",
  ";q=0",
  ";q=1",
  ";q=0.5",
  " ; q=0.25",
  ";Q=0.0",
  ";q=abc",
  ";q=2",
  ";version=1.0.0",
);
const mediaRange = fc.constantFrom(
  "application/openmetrics-text",
  "text/plain",
  "text/*",
  "*/*",
  "application/json",
  "APPLICATION/OPENMETRICS-TEXT",
  "",
);
const separator = fc.constantFrom(",", ", ", " ,  ");
const accept = fc
  .tuple(fc.array(fc.tuple(mediaRange, weight), { maxLength: 4 }), separator)
  .map(([parts, sep]) => parts.map(([range, w]) => `${range}${w}`).join(sep));
const coding = fc.constantFrom("gzip", "GZIP", "x-gzip", "deflate", "br", "identity", "*", "");
const acceptEncoding = fc
  .array(fc.tuple(coding, weight), { maxLength: 3 })
  .map((parts) => parts.map(([c, w]) => `${c}${w}`).join(", "));
const printable = fc
  .string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength: 40,
  })
  .map((value) => value.trim());
const authorization = fc.oneof(
  { weight: 8, arbitrary: fc.constant(`Bearer ${token}`) },
  fc.constant(`bearer ${token}`),
  fc.constant("Bearer wrong"),
  fc.constant("Basic Og=="),
  printable,
);
const otherName = fc.constantFrom(
  "user-agent",
  "x-forwarded-for",
  "cookie",
  "range",
  "if-none-match",
  "x-fuzz",
);
const headers = fc.record(
  {
    accept,
    "accept-encoding": acceptEncoding,
    authorization,
    other: fc.tuple(
      otherName,
      fc.oneof({ weight: 19, arbitrary: printable }, fc.constant("v".repeat(9_000))),
    ),
  },
  { requiredKeys: ["authorization"] },
);
// Every method Node's HTTP parser knows (it refuses others with its own 400, before any
// adapter, as a Function URL does); CONNECT takes the socket over and is left out.
const method = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("GET", "HEAD") },
  { weight: 1, arbitrary: fc.constantFrom(...METHODS.filter((name) => name !== "CONNECT")) },
);

const request = fc.record({ method, target, headers }).map(({ method, target, headers }): RawRequest => {
  const { other, ...named } = headers;
  const all: Record<string, string> = {};
  for (const [name, value] of Object.entries(named)) if (value !== undefined) all[name] = value;
  if (other) all[other[0]] = other[1];
  return { method, target, headers: all };
});

describe("fuzzed requests through both adapters", () => {
  it(`answer 2xx-4xx, never throw, and agree (seed ${seed}, ${numRuns} runs)`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (raw) => {
        const http = await adapters.viaHttp(raw);
        const lambda = await adapters.viaLambda(raw);
        expect(http.status).toBeGreaterThanOrEqual(200);
        expect(http.status).toBeLessThan(500);
        expect(lambda).toEqual(http);
        statuses.set(http.status, (statuses.get(http.status) ?? 0) + 1);
      }),
      { seed, numRuns },
    );
    console.info(
      `fuzz: ${numRuns} runs, seed ${seed}, answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
    );
    // Every kind of answer was reached, so the property was not vacuous.
    expect([...statuses.keys()].sort()).toEqual([200, 400, 401, 404, 405]);
    expect(logger.lines.filter((line) => line.level === "error")).toEqual([]);
  });

  it("a request-target byte outside 0x21-0x7E: the parser's 400, and the server lives on", async () => {
    for (const byte of [0x7f, 0x80, 0xc3, 0xff]) {
      const answer = await adapters.rawBytes(
        `GET /metrics${String.fromCharCode(byte)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(answer.split(" ")[1]).toBe("400");
    }
    const after = await adapters.viaHttp({
      method: "GET",
      target: "/health",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.status).toBe(200);
  });
});
