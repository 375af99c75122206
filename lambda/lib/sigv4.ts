import { createHash, createHmac, createSecretKey, type Hash, type Hmac, type KeyObject } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  Checksum,
  Provider,
  SourceData,
} from "@smithy/types";

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

/**
 * SHA-256 and HMAC-SHA-256 for AWS's signer, by Node's own crypto: a signature hashes the
 * body and derives its key with several HMACs, which a pure-JavaScript hash made about a
 * millisecond of CPU a request (DynamoDB reads sign hundreds a scrape).
 */
export class NodeSha256 implements Checksum {
  private readonly secret: SourceData | undefined;
  private hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.secret = secret;
    this.hash = this.start();
  }
  private start(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", keyOf(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.start();
  }
}

/**
 * The HMAC keys a signer uses again and again (the secret access key, each day's signing
 * key) as Node key objects: an HMAC from raw key bytes imports them first, which took
 * three quarters of its time (about 20 µs of 28; the fetcher signs a few hundred requests
 * a minute). Keyed by the key's bytes, so a changed buffer is never mistaken for another.
 */
const keyObjects = new Map<string, KeyObject>();
const maxKeyObjects = 16;

function keyOf(secret: SourceData): KeyObject {
  const raw = bytes(secret);
  const id =
    typeof raw === "string"
      ? `s${raw}`
      : `b${Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1")}`;
  let key = keyObjects.get(id);
  if (!key) {
    if (keyObjects.size >= maxKeyObjects) keyObjects.clear();
    key = createSecretKey(typeof raw === "string" ? Buffer.from(raw, "utf8") : raw);
    keyObjects.set(id, key);
  }
  return key;
}

const bytes = (data: SourceData): Uint8Array | string =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** AWS's signer for one service; it keeps each day's signing key, so reuse it across requests. */
export function createSigner(scope: SigningScope): SignatureV4 {
  return new SignatureV4({ ...scope, sha256: NodeSha256, applyChecksum: false });
}

/**
 * SigV4-signs a request with AWS's own signer: the headers to send (the given ones, `host`,
 * `x-amz-date`, `authorization`, and `x-amz-security-token` with temporary credentials).
 * No payload hash header: neither AMP nor the JSON APIs ask for one, and the signature
 * covers the body's hash anyway.
 */
export async function signRequest(
  request: SignableRequest,
  scope: SigningScope,
  signingDate: Date,
): Promise<Record<string, string>> {
  const signer = createSigner(scope);
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
