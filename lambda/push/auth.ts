import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

/**
 * How a remote-write request proves who sends it. SigV4 is Amazon Managed Prometheus
 * (service `aps`), signed by AWS's own signer; bearer and basic suit a Prometheus or any
 * other receiver behind a proxy; none suits a receiver on a private network.
 */
export type RemoteWriteAuth =
  | { kind: "none" }
  | { kind: "bearer"; token: string }
  | { kind: "basic"; user: string; password: string }
  | {
      kind: "sigv4";
      region: string;
      credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
      /** `aps` for Amazon Managed Prometheus. */
      service?: string;
    };

export interface SignableRequest {
  method: string;
  url: URL;
  /** Header names as sent; `host` is added from the URL. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array | string;
}

/**
 * SigV4-signs a request: the headers to send (the given ones, `host`, `x-amz-date`,
 * `authorization`, and `x-amz-security-token` with temporary credentials). No payload
 * hash header: AMP does not ask for one, and the signature covers the body's hash anyway.
 */
export async function signV4(
  request: SignableRequest,
  auth: Extract<RemoteWriteAuth, { kind: "sigv4" }>,
  signingDate: Date,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: auth.service ?? "aps",
    region: auth.region,
    credentials: auth.credentials,
    sha256: Sha256,
    applyChecksum: false,
  });
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

/** The headers that authenticate a remote-write request, whichever the kind. */
export async function authHeaders(
  auth: RemoteWriteAuth,
  request: SignableRequest,
  now: Date,
): Promise<Record<string, string>> {
  switch (auth.kind) {
    case "none":
      return { ...request.headers };
    case "bearer":
      return { ...request.headers, authorization: `Bearer ${auth.token}` };
    case "basic":
      return {
        ...request.headers,
        authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}`,
      };
    case "sigv4":
      return signV4(request, auth, now);
  }
}
