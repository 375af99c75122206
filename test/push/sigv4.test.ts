import aws4 from "aws4";
import { describe, expect, it } from "vitest";
import { authHeaders, signV4 } from "../../lambda/push/auth.ts";
import { remoteWriteHeaders, writeRequestBody } from "../../lambda/push/write-request.ts";

/**
 * SigV4 as the push path signs it, checked two independent ways: against cases of AWS's
 * published Signature Version 4 test suite (aws-sig-v4-test-suite, "signature-v4-test-suite"
 * in the AWS General Reference: get-vanilla, get-vanilla-query-order-key-case,
 * get-vanilla-query-unreserved, get-vanilla-utf8-query, get-utf8, post-vanilla,
 * post-x-www-form-urlencoded; each case's request and its `.authz` file are embedded here,
 * as the suite's files are not fetched at test time), and against `aws4`, a separate
 * implementation, on remote-write requests like the ones sent to Amazon Managed Prometheus.
 */
const suite = {
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  region: "us-east-1",
  service: "service",
  date: new Date("2015-08-30T12:36:00Z"),
};
const scope = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

const vectors: {
  name: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  signedHeaders: string;
  signature: string;
}[] = [
  {
    name: "get-vanilla",
    method: "GET",
    url: "https://example.amazonaws.com/",
    signedHeaders: "host;x-amz-date",
    signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
  },
  {
    name: "get-vanilla-query-order-key-case",
    method: "GET",
    url: "https://example.amazonaws.com/?Param2=value2&Param1=value1",
    signedHeaders: "host;x-amz-date",
    signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
  },
  {
    name: "get-vanilla-query-unreserved",
    method: "GET",
    url: "https://example.amazonaws.com/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    signedHeaders: "host;x-amz-date",
    signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
  },
  {
    name: "get-vanilla-utf8-query",
    method: "GET",
    url: "https://example.amazonaws.com/?ሴ=bar",
    signedHeaders: "host;x-amz-date",
    signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
  },
  {
    name: "get-utf8",
    method: "GET",
    url: "https://example.amazonaws.com/ሴ",
    signedHeaders: "host;x-amz-date",
    signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
  },
  {
    name: "post-vanilla",
    method: "POST",
    url: "https://example.amazonaws.com/",
    signedHeaders: "host;x-amz-date",
    signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
  },
  {
    name: "post-x-www-form-urlencoded",
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "Param1=value1",
    signedHeaders: "content-type;host;x-amz-date",
    signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
  },
];

describe("SigV4 against AWS's published test suite", () => {
  for (const vector of vectors) {
    it(`${vector.name}: the suite's Authorization header`, async () => {
      const headers = await signV4(
        {
          method: vector.method,
          url: new URL(vector.url),
          headers: vector.headers ?? {},
          body: vector.body ?? "",
        },
        { kind: "sigv4", ...suite },
        suite.date,
      );
      expect(headers.authorization).toBe(
        `AWS4-HMAC-SHA256 ${scope}, SignedHeaders=${vector.signedHeaders}, Signature=${vector.signature}`,
      );
      expect(headers["x-amz-date"]).toBe("20150830T123600Z");
    });
  }
});

describe("SigV4 against an independent implementation (aws4)", () => {
  const credentials = {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  };
  const body = Buffer.from(
    writeRequestBody([
      {
        labels: { __name__: "cloudflare_zone_requests_total", zone: "example.com" },
        samples: [{ timestamp: 1_764_547_260_000, value: 1234 }],
      },
    ]),
  );
  const cases = [
    { name: "long-term credentials", credentials },
    {
      name: "temporary credentials (session token signed too)",
      credentials: { ...credentials, sessionToken: "FwoGZXIvYXdzEXAMPLE/token+=" },
    },
  ];
  for (const { name, credentials: used } of cases) {
    it(`signs a remote-write POST to an AMP workspace exactly as aws4 does: ${name}`, async () => {
      const url = new URL(
        "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef/api/v1/remote_write",
      );
      const date = new Date("2026-11-30T23:59:07Z");
      const headers = { ...remoteWriteHeaders, "Content-Length": String(body.byteLength) };
      const ours = await signV4(
        { method: "POST", url, headers, body },
        { kind: "sigv4", region: "eu-west-1", credentials: used },
        date,
      );
      const theirs =
        aws4.sign(
          {
            host: url.host,
            path: url.pathname,
            method: "POST",
            service: "aps",
            region: "eu-west-1",
            body,
            headers: { ...headers, "X-Amz-Date": "20261130T235907Z" },
          },
          used,
        ).headers ?? {};
      expect(ours.authorization).toBe(theirs.Authorization);
      expect(ours.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20261130\/eu-west-1\/aps\/aws4_request, SignedHeaders=content-encoding;content-length;content-type;host;x-amz-date;(x-amz-security-token;)?x-prometheus-remote-write-version, Signature=[0-9a-f]{64}$/,
      );
      expect(ours["x-amz-security-token"]).toBe(theirs["X-Amz-Security-Token"]);
    });
  }

  it("gives a different signature for a different body (the body is signed)", async () => {
    const url = new URL("https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write");
    const sign = (payload: string) =>
      signV4(
        { method: "POST", url, headers: {}, body: payload },
        { kind: "sigv4", region: "eu-west-1", credentials },
        new Date(0),
      );
    expect((await sign("a")).authorization).not.toBe((await sign("b")).authorization);
  });
});

describe("bearer, basic and none", () => {
  const request = {
    method: "POST",
    url: new URL("http://127.0.0.1:9090/api/v1/write"),
    headers: { a: "1" },
    body: "",
  };
  it("adds exactly the header each kind needs", async () => {
    const now = new Date(0);
    expect(await authHeaders({ kind: "none" }, request, now)).toEqual({ a: "1" });
    expect(await authHeaders({ kind: "bearer", token: "t0k" }, request, now)).toEqual({
      a: "1",
      authorization: "Bearer t0k",
    });
    expect(await authHeaders({ kind: "basic", user: "u", password: "p:w" }, request, now)).toEqual({
      a: "1",
      authorization: `Basic ${Buffer.from("u:p:w").toString("base64")}`,
    });
  });
});
