import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

/** A request to sign: the push path's remote writes and the AWS JSON calls (aws-json.ts). */
export interface SignableRequest {
  method: string;
  url: URL;
  /** Header names as sent; `host` is added from the URL. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array | string;
}

export interface SigningScope {
  region: string;
  service: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
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
  const signer = new SignatureV4({ ...scope, sha256: Sha256, applyChecksum: false });
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
