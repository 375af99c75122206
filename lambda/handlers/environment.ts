import type { FetchDeps } from "../collect/fetch-account.ts";
import { createRuntime } from "../collect/runtime.ts";
import { ConfigError, loadConfig } from "../config/config.ts";
import { type ConfigProvider, createConfigProvider, overridesFromEnvironment } from "../config/provider.ts";
import { AwsServiceError, type SecretReader, secretsManagerReader } from "../lib/aws-json.ts";
import { createLogger } from "../lib/log.ts";
import { systemClock } from "../lib/time.ts";
import type { RemoteWriteTarget } from "../push/send.ts";
import { remoteWriteTarget } from "../push/target.ts";
import { createStore, type Store } from "../store/table.ts";

/**
 * Builds a run's dependencies from the Lambda environment. The token comes from
 * `CLOUDFLARE_API_TOKEN` (local mode) or the Secrets Manager secret named by
 * `CLOUDFLARE_API_TOKEN_SECRET_ARN` (AWS), re-read every few minutes so a rolled token
 * is picked up without replacing containers. Settings are
 * resolved at every invocation, so an SSM override takes effect at the next run.
 */
type Env = Readonly<Record<string, string | undefined>>;

let store: Store | undefined;
let provider: ConfigProvider | undefined;
let token: { value: Promise<string>; readAt: number } | undefined;
/** Built once per container: the SigV4 credential chain caches and refreshes the role's keys itself. */
let remoteWrite: Promise<RemoteWriteTarget | undefined> | undefined;
const tokenMaxAgeMs = 300_000;

export async function readToken(
  env: Env,
  readSecret: SecretReader = secretsManagerReader({ env }),
): Promise<string> {
  if (env.CLOUDFLARE_API_TOKEN) return env.CLOUDFLARE_API_TOKEN;
  const secretId = env.CLOUDFLARE_API_TOKEN_SECRET_ARN;
  if (!secretId) throw new ConfigError("set CLOUDFLARE_API_TOKEN or CLOUDFLARE_API_TOKEN_SECRET_ARN");
  const empty = new ConfigError(
    `the secret ${secretId} holds no Cloudflare API token yet: fill it with aws secretsmanager put-secret-value`,
  );
  try {
    const value = (await readSecret(secretId))?.trim();
    if (!value) throw empty;
    return value;
  } catch (error) {
    // A secret created without a value has no version yet: Secrets Manager says "not found".
    if (error instanceof AwsServiceError && error.name === "ResourceNotFoundException") throw empty;
    throw error;
  }
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
  const now = Date.now();
  if (!token || now - token.readAt > tokenMaxAgeMs) {
    const value = readToken(env);
    token = { value, readAt: now };
    value.catch(() => {
      token = undefined; // try again on the next invocation
    });
  }
  remoteWrite ??= remoteWriteTarget(config, env, secretsManagerReader({ env }));
  remoteWrite.catch(() => {
    remoteWrite = undefined; // a missing secret is retried on the next invocation
  });
  const target = await remoteWrite;
  const logger = createLogger({ base: { service }, level: config.logLevel, format: config.logFormat });
  const build = { version: env.EXPORTER_VERSION ?? "dev", runtime: process.version };
  // The push path runs only with REMOTE_WRITE_URL set: loaded then, a chunk of its own in the bundle.
  const push = target
    ? (await import("../push/runtime.ts")).createPush({
        config,
        store,
        clock: systemClock,
        logger,
        target,
        build,
      })
    : undefined;
  return createRuntime({
    config,
    ...(push ? { push } : {}),
    token: await token.value,
    store,
    clock: systemClock,
    logger,
  });
}

const service = "cloudflare-exporter";
