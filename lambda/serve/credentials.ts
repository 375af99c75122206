import type { Config } from "../config/config.ts";
import type { SecretReader } from "../lib/aws-json.ts";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import type { Credentials } from "./auth.ts";

/**
 * Where scrape credentials come from: the Secrets Manager secret named by
 * `SCRAPE_CREDENTIALS_SECRET_ARN` (JSON: `bearerToken`, `username`, `password`), else
 * `SCRAPE_BEARER_TOKEN` / `BASIC_AUTH_USER` + `BASIC_AUTH_PASSWORD`. Auth is required
 * unless `METRICS_AUTH` is `iam` or `disabled`.
 */
type Env = Readonly<Record<string, string | undefined>>;

const secretSchema = once(() =>
  z.object({
    bearerToken: z.optional(z.string().check(z.minLength(16))),
    username: z.optional(z.string().check(z.minLength(1))),
    password: z.optional(z.string().check(z.minLength(1))),
  }),
);

/** With `iam` the Function URL has already checked a signed request; `disabled` is the operator's opt-out. */
export function authRequired(mode: Config["metricsAuth"]): boolean {
  return mode === "required";
}

function fromValues(
  bearerToken: string | undefined,
  user: string | undefined,
  password: string | undefined,
): Credentials {
  return {
    ...(bearerToken?.trim() ? { bearerToken: bearerToken.trim() } : {}),
    ...(user?.trim() && password ? { basic: { user: user.trim(), password } } : {}),
  };
}

export async function readCredentials(env: Env, readSecret?: SecretReader): Promise<Credentials> {
  const secretId = env.SCRAPE_CREDENTIALS_SECRET_ARN;
  if (secretId && readSecret) {
    const parsed = secretSchema().parse(JSON.parse((await readSecret(secretId)) ?? "{}"));
    return fromValues(parsed.bearerToken, parsed.username, parsed.password);
  }
  return fromValues(env.SCRAPE_BEARER_TOKEN, env.BASIC_AUTH_USER, env.BASIC_AUTH_PASSWORD);
}
