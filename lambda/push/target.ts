import { type Config, ConfigError } from "../config/config.ts";
import type { SecretReader } from "../lib/aws-json.ts";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import type { RemoteWriteAuth } from "./auth.ts";
import type { RemoteWriteTarget } from "./send.ts";

/**
 * The push target from settings. Credentials for `bearer` and `basic` come from the
 * Secrets Manager secret named by `REMOTE_WRITE_CREDENTIALS_SECRET_ARN` (JSON:
 * `bearerToken`, or `username` and `password`), else, in local mode, from
 * `REMOTE_WRITE_BEARER_TOKEN` / `REMOTE_WRITE_USERNAME` + `REMOTE_WRITE_PASSWORD`. SigV4
 * uses the function's role (the default credential chain).
 */
type Env = Readonly<Record<string, string | undefined>>;

// Built at first use: only a push with bearer or basic credentials reads the secret.
const secretSchema = once(() =>
  z.object({
    bearerToken: z.optional(z.string().check(z.minLength(1))),
    username: z.optional(z.string().check(z.minLength(1))),
    password: z.optional(z.string().check(z.minLength(1))),
  }),
);

const requestTimeoutMs = 10_000;

async function readSecretValues(env: Env, readSecret: SecretReader | undefined) {
  const secretId = env.REMOTE_WRITE_CREDENTIALS_SECRET_ARN;
  if (secretId && readSecret) {
    return secretSchema().parse(JSON.parse((await readSecret(secretId)) ?? "{}"));
  }
  return {
    bearerToken: env.REMOTE_WRITE_BEARER_TOKEN?.trim() || undefined,
    username: env.REMOTE_WRITE_USERNAME?.trim() || undefined,
    password: env.REMOTE_WRITE_PASSWORD || undefined,
  };
}

export async function remoteWriteTarget(
  config: Pick<Config, "remoteWriteUrl" | "remoteWriteAuth" | "remoteWriteRegion">,
  env: Env,
  readSecret?: SecretReader,
): Promise<RemoteWriteTarget | undefined> {
  if (!config.remoteWriteUrl) return undefined;
  const url = new URL(config.remoteWriteUrl);
  let auth: RemoteWriteAuth;
  switch (config.remoteWriteAuth) {
    case "none":
      auth = { kind: "none" };
      break;
    case "sigv4": {
      const region = config.remoteWriteRegion || env.AWS_REGION;
      if (!region) throw new ConfigError("REMOTE_WRITE_AUTH=sigv4 needs REMOTE_WRITE_REGION (or AWS_REGION)");
      // Loaded only for a SigV4 push: the provider brings the SDK's endpoint and profile code
      // (about 15 KB), which a fetcher without REMOTE_WRITE_URL would read at every cold start.
      const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
      auth = { kind: "sigv4", region, credentials: defaultProvider() };
      break;
    }
    case "bearer": {
      const { bearerToken } = await readSecretValues(env, readSecret);
      if (!bearerToken)
        throw new ConfigError("REMOTE_WRITE_AUTH=bearer needs a bearerToken in the remote-write credentials");
      auth = { kind: "bearer", token: bearerToken };
      break;
    }
    case "basic": {
      const { username, password } = await readSecretValues(env, readSecret);
      if (!username || !password)
        throw new ConfigError(
          "REMOTE_WRITE_AUTH=basic needs a username and password in the remote-write credentials",
        );
      auth = { kind: "basic", user: username, password };
      break;
    }
  }
  return { url, auth, timeoutMs: requestTimeoutMs };
}
