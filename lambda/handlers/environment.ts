import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { FetchDeps } from "../collect/fetch-account.ts";
import { createRuntime } from "../collect/runtime.ts";
import { ConfigError, loadConfig } from "../config/config.ts";
import { type ConfigProvider, createConfigProvider, overridesFromEnvironment } from "../config/provider.ts";
import { createLogger } from "../lib/log.ts";
import { systemClock } from "../lib/time.ts";
import { createStore, type Store } from "../store/table.ts";

/**
 * Builds a run's dependencies from the Lambda environment. The token comes from
 * `CLOUDFLARE_API_TOKEN` (local mode) or the Secrets Manager secret named by
 * `CLOUDFLARE_API_TOKEN_SECRET_ARN` (AWS), fetched once per container. Settings are
 * resolved at every invocation, so an SSM override takes effect at the next run.
 */
type Env = Readonly<Record<string, string | undefined>>;

let store: Store | undefined;
let provider: ConfigProvider | undefined;
let tokenPromise: Promise<string> | undefined;

export async function readToken(
  env: Env,
  secrets: Pick<SecretsManagerClient, "send"> = new SecretsManagerClient({}),
): Promise<string> {
  if (env.CLOUDFLARE_API_TOKEN) return env.CLOUDFLARE_API_TOKEN;
  const secretId = env.CLOUDFLARE_API_TOKEN_SECRET_ARN;
  if (!secretId) throw new ConfigError("set CLOUDFLARE_API_TOKEN or CLOUDFLARE_API_TOKEN_SECRET_ARN");
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  const token = secret.SecretString?.trim();
  if (!token) throw new ConfigError(`the secret ${secretId} holds no Cloudflare API token yet`);
  return token;
}

export async function runtimeFromEnvironment(env: Env = process.env): Promise<FetchDeps> {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new ConfigError("TABLE_NAME is not set");
  if (!provider) {
    const boot = loadConfig(env);
    const overrides = overridesFromEnvironment(env, boot.configCacheTtlSeconds);
    provider = createConfigProvider({
      env,
      ...(overrides ? { overrides } : {}),
      logger: createLogger({ base: { service }, level: boot.logLevel, format: boot.logFormat }),
    });
  }
  const { config } = await provider.current();
  store ??= createStore(tableName, env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {});
  tokenPromise ??= readToken(env).catch((error: unknown) => {
    tokenPromise = undefined; // try again on the next invocation
    throw error;
  });
  return createRuntime({
    config,
    token: await tokenPromise,
    store,
    clock: systemClock,
    logger: createLogger({ base: { service }, level: config.logLevel, format: config.logFormat }),
  });
}

const service = "cloudflare-exporter";
