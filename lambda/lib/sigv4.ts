import { createHash, createHmac, createSecretKey, type KeyObject } from "node:crypto";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Provider } from "@smithy/types";

/**
 * AWS Signature Version 4 for the requests the functions send: DynamoDB's and the other
 * JSON APIs' POSTs and the push path's remote writes. Written here rather than taken from
 * AWS's signer package, which brought about 15 KB of code and a module whose import reads
 * Web Crypto into every cold start: that import was about a tenth of a bundle's. It signs
 * as AWS's signer signs a request (test/lib/sigv4.test.ts compares the two header for
 * header on generated requests, and test/push/sigv4.test.ts checks cases of AWS's
 * published test suite): the path's empty segments dropped and the rest escaped, the query sorted, the headers
 * lowercased, trimmed and sorted, those a proxy may change left unsigned.
 */

/** A request to sign: the push path's remote writes and the AWS JSON calls (aws-json.ts). */
export interface SignableRequest {
  method: string;
  url: URL;
  /** Header names as sent; `host` is added from the URL. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array | string;
}

export interface SigningScope {
  region: string | Provider<string>;
  service: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/** A signer for one service and its credentials. */
export interface Signer {
  /** The headers to send: the given ones, `host`, `x-amz-date`, `authorization`, and `x-amz-security-token` with temporary credentials. */
  sign(request: SignableRequest, signingDate?: Date): Promise<Record<string, string>>;
}

export function createSigner(scope: SigningScope): Signer {
  return { sign: (request, signingDate = new Date()) => signRequest(request, scope, signingDate) };
}

/**
 * SigV4-signs a request. No payload hash header: neither AMP nor the JSON APIs ask for one,
 * and the signature covers the body's hash anyway.
 */
export async function signRequest(
  request: SignableRequest,
  scope: SigningScope,
  signingDate: Date,
): Promise<Record<string, string>> {
  const credentials = await resolved(scope.credentials);
  if (typeof credentials.accessKeyId !== "string" || typeof credentials.secretAccessKey !== "string")
    throw new Error("SigV4: the credentials have no access key id or secret access key");
  const region = await resolved(scope.region);
  const longDate = signingDate
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
  const shortDate = longDate.slice(0, 8);
  const credentialScope = `${shortDate}/${region}/${scope.service}/aws4_request`;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (!generatedHeaders.has(name.toLowerCase())) headers[name] = value;
  headers.host = request.url.host;
  headers["x-amz-date"] = longDate;
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
  const canonical = canonicalHeaders(headers);
  const signedHeaders = [...canonical.keys()].join(";");
  const canonicalRequest = [
    request.method,
    canonicalPath(request.url.pathname),
    canonicalQuery(request.url.searchParams),
    ...[...canonical].map(([name, value]) => `${name}:${value}`),
    "",
    signedHeaders,
    payloadHash(headers, request.body),
  ].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", longDate, credentialScope, sha256Hex(canonicalRequest)].join(
    "\n",
  );
  const key = signingKey(credentials.secretAccessKey, shortDate, region, scope.service);
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

const resolved = async <T>(value: T | (() => Promise<T>)): Promise<T> =>
  typeof value === "function" ? (value as () => Promise<T>)() : value;

/** Headers the signature sets, dropped from the request's own. */
const generatedHeaders = new Set(["authorization", "x-amz-date", "date"]);

/** Headers a proxy or client may add or change on the way: never signed. */
const unsignableHeaders = new Set([
  "authorization",
  "cache-control",
  "connection",
  "expect",
  "from",
  "keep-alive",
  "max-forwards",
  "pragma",
  "referer",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "user-agent",
  "x-amzn-trace-id",
]);

/** The signed headers, lowercased and in order, each value on one line with its runs of blanks made one space. */
function canonicalHeaders(headers: Record<string, string>): Map<string, string> {
  const canonical = new Map<string, string>();
  for (const name of Object.keys(headers).sort()) {
    const lower = name.toLowerCase();
    if (unsignableHeaders.has(lower) || lower.startsWith("proxy-") || lower.startsWith("sec-")) continue;
    const value = headers[name] ?? "";
    canonical.set(
      lower,
      value
        .replace(/[\r\n]/g, " ")
        .replace(/[ \t]+/g, " ")
        .replace(/^ | $/g, ""),
    );
  }
  return new Map([...canonical].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The path without empty segments, each segment percent-encoded as RFC 3986 asks. A URL's
 * path has no `.` or `..` segments left: the URL parser removed them.
 */
function canonicalPath(pathname: string): string {
  const path = decodeURIComponent(pathname);
  const segments = path.split("/").filter((segment) => segment !== "");
  const normalized = `/${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`;
  return escapeUri(normalized).replace(/%2F/g, "/");
}

/** The query's pairs, each name and value percent-encoded, sorted by name and then by pair. */
function canonicalQuery(params: URLSearchParams): string {
  const byName = new Map<string, string[]>();
  for (const [name, value] of params) {
    if (name.toLowerCase() === "x-amz-signature") continue;
    const encoded = escapeUri(name);
    byName.set(encoded, [...(byName.get(encoded) ?? []), `${encoded}=${escapeUri(value)}`]);
  }
  return [...byName.keys()]
    .sort()
    .map((name) => (byName.get(name) ?? []).sort().join("&"))
    .join("&");
}

const escapeUri = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function payloadHash(headers: Record<string, string>, body: Uint8Array | string): string {
  for (const [name, value] of Object.entries(headers))
    if (name.toLowerCase() === "x-amz-content-sha256") return value;
  return sha256Hex(body);
}

const sha256Hex = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/**
 * Each day's signing key per secret, region and service, as a Node key object: an HMAC
 * from raw key bytes imports them first, which took three quarters of its time (about
 * 20 µs of 28; the fetcher signs a few hundred requests a minute).
 */
const signingKeys = new Map<string, KeyObject>();
const maxSigningKeys = 16;

function signingKey(secret: string, shortDate: string, region: string, service: string): KeyObject {
  const id = [secret, shortDate, region, service].join("\n");
  let key = signingKeys.get(id);
  if (!key) {
    let bytes: Buffer = Buffer.from(`AWS4${secret}`, "utf8");
    for (const part of [shortDate, region, service, "aws4_request"])
      bytes = createHmac("sha256", bytes).update(part).digest();
    if (signingKeys.size >= maxSigningKeys) signingKeys.clear();
    key = createSecretKey(bytes);
    signingKeys.set(id, key);
  }
  return key;
}
