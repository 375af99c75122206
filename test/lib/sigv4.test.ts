import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, SourceData } from "@smithy/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createSigner,
  type SignableRequest,
  type SigningScope,
  signRequest,
} from "../../lambda/lib/sigv4.ts";

/**
 * The functions' SigV4 signer (lambda/lib/sigv4.ts) against AWS's own signer
 * (@smithy/signature-v4, a devDependency kept as the reference): the same headers, to the
 * byte, for generated requests (fast-check, seeded) that reach every rule of the canonical
 * request: paths with empty segments, trailing slashes, reserved and non-ASCII characters;
 * queries with repeated, empty and unreserved names and values and an `X-Amz-Signature`;
 * headers in mixed case, with runs of blanks and line breaks, unsignable ones (a proxy's,
 * `user-agent`) and a given payload hash; string, byte and empty bodies; long-term and
 * temporary credentials, given or provided. test/push/sigv4.test.ts checks AWS's
 * published test suite and another implementation.
 */

class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash =
      secret === undefined
        ? createHash("sha256")
        : createHmac("sha256", typeof secret === "string" ? secret : new Uint8Array(secret as ArrayBuffer));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {}
}

/** AWS's signer, given the request as the functions' signer takes it. */
async function referenceHeaders(request: SignableRequest, scope: SigningScope, signingDate: Date) {
  const signer = new SignatureV4({ ...scope, sha256: NodeSha256, applyChecksum: false });
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of request.url.searchParams) {
    const previous = query[name];
    query[name] = previous === undefined ? value : [...[previous].flat(), value];
  }
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      ...(request.url.port ? { port: Number(request.url.port) } : {}),
      path: decodeURIComponent(request.url.pathname),
      query,
      headers: { ...request.headers, host: request.url.host },
      body: request.body,
    },
    { signingDate },
  );
  return signed.headers;
}

const segment = fc.constantFrom(
  "api",
  "v1",
  "remote_write",
  "",
  "a b",
  "ሴ",
  "x!'()*",
  "%41",
  "~-._",
  "a+b",
  "é",
);
const queryWord = fc.constantFrom(
  "Param1",
  "param1",
  "value",
  "",
  "a b",
  "ሴ",
  "-._~",
  "x!'()*",
  "X-Amz-Signature",
  "=&?",
  "a+b",
);
const headerName = fc.constantFrom(
  "Content-Type",
  "content-encoding",
  "X-Amz-Target",
  "User-Agent",
  "proxy-authorization",
  "sec-fetch-mode",
  "X-Prometheus-Remote-Write-Version",
  "Connection",
  "X-Custom",
  "date",
);
const headerValue = fc.constantFrom(
  "application/x-protobuf",
  "  spaced   out\tvalue ",
  "line\r\nbreak",
  "0.1.0",
  "snappy",
  "a",
);

const generatedRequest: fc.Arbitrary<SignableRequest> = fc
  .record({
    method: fc.constantFrom("GET", "POST", "PUT"),
    host: fc.constantFrom(
      "aps-workspaces.eu-west-1.amazonaws.com",
      "dynamodb.us-east-1.amazonaws.com",
      "127.0.0.1:8443",
    ),
    segments: fc.array(segment, { maxLength: 5 }),
    trailingSlash: fc.boolean(),
    query: fc.array(fc.tuple(queryWord, queryWord), { maxLength: 4 }),
    headers: fc.dictionary(headerName, headerValue, { maxKeys: 5 }),
    payloadHashGiven: fc.boolean(),
    body: fc.constantFrom<Uint8Array | string>(
      "",
      '{"TableName":"exporter"}',
      new Uint8Array([0, 1, 2, 255]),
      "é ሴ",
    ),
  })
  .map(({ method, host, segments, trailingSlash, query, headers, payloadHashGiven, body }) => {
    const url = new URL(
      `https://${host}/${segments.map(encodeURIComponent).join("/")}${trailingSlash ? "/" : ""}`,
    );
    for (const [name, value] of query) url.searchParams.append(name, value);
    const given: Record<string, string> = payloadHashGiven
      ? { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" }
      : {};
    return { method, url, headers: { ...headers, ...given }, body };
  });

const generatedScope: fc.Arbitrary<SigningScope> = fc
  .record({
    secretAccessKey: fc.constantFrom("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "sécret+/="),
    temporary: fc.boolean(),
    region: fc.constantFrom("us-east-1", "eu-west-1"),
    service: fc.constantFrom("aps", "dynamodb", "ssm", "secretsmanager"),
    provided: fc.boolean(),
  })
  .map(({ secretAccessKey, temporary, region, service, provided }) => {
    const credentials = {
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey,
      ...(temporary ? { sessionToken: "IQoJb3JpZ2luX2VjEExample//token==" } : {}),
    };
    return provided
      ? { region: () => Promise.resolve(region), service, credentials: () => Promise.resolve(credentials) }
      : { region, service, credentials };
  });

const signingDate = fc
  .integer({ min: 0, max: 3 * 86_400 - 1 })
  .map((s) => new Date(Date.UTC(2026, 11, 2) + s * 1000));

describe("the functions' SigV4 signer", () => {
  it("signs 400 generated requests as AWS's signer does, header for header", async () => {
    await fc.assert(
      fc.asyncProperty(generatedRequest, generatedScope, signingDate, async (request, scope, date) => {
        expect(sorted(await signRequest(request, scope, date))).toEqual(
          sorted(await referenceHeaders(request, scope, date)),
        );
      }),
      { seed: 20261202, numRuns: 400 },
    );
  });

  it("answers the exact headers of a DynamoDB call with temporary credentials", async () => {
    const scope: SigningScope = {
      region: "us-east-1",
      service: "dynamodb",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token" },
    };
    const request: SignableRequest = {
      method: "POST",
      url: new URL("https://dynamodb.us-east-1.amazonaws.com/"),
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.GetItem" },
      body: '{"TableName":"exporter"}',
    };
    const date = new Date("2026-12-02T07:00:00Z");
    const headers = await createSigner(scope).sign(request, date);
    const reference = await referenceHeaders(request, scope, date);
    expect(headers).toEqual({
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "DynamoDB_20120810.GetItem",
      host: "dynamodb.us-east-1.amazonaws.com",
      "x-amz-date": "20261202T070000Z",
      "x-amz-security-token": "token",
      authorization: reference.authorization,
    });
    expect(reference.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261202\/us-east-1\/dynamodb\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
  });

  it("refuses credentials without a secret, naming what is missing", async () => {
    await expect(
      signRequest(
        { method: "GET", url: new URL("https://example.amazonaws.com/"), headers: {}, body: "" },
        { region: "us-east-1", service: "ssm", credentials: { accessKeyId: "AKID" } as never },
        new Date(),
      ),
    ).rejects.toThrow("SigV4: the credentials have no access key id or secret access key");
  });
});

const sorted = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : 1)));
