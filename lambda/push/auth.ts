import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { type SignableRequest, signRequest } from "../lib/sigv4.ts";

/**
 * How a remote-write request proves who sends it. SigV4 is Amazon Managed Prometheus
 * (service `aps`), SigV4-signed (lambda/lib/sigv4.ts); bearer and basic suit a Prometheus or any
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

export type { SignableRequest };

/** SigV4 for a remote write: service `aps` (Amazon Managed Prometheus) unless the target says otherwise. */
export function signV4(
  request: SignableRequest,
  auth: Extract<RemoteWriteAuth, { kind: "sigv4" }>,
  signingDate: Date,
): Promise<Record<string, string>> {
  return signRequest(
    request,
    { region: auth.region, service: auth.service ?? "aps", credentials: auth.credentials },
    signingDate,
  );
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
