import { type HttpPost, httpPost, NetworkError } from "./https-post.ts";
import { signRequest } from "./sigv4.ts";
import { realSleep, type Sleep } from "./time.ts";

/**
 * One call of an AWS JSON API (SSM Parameter Store, Secrets Manager), signed with SigV4
 * (sigv4.ts) with the credentials Lambda puts in the environment. It stands in
 * for those services' SDK clients, whose error and schema tables were a fifth of each
 * bundle (issue 15), for the two reads the Lambdas make; errors keep the SDK's names and
 * messages, and throttling and server errors are retried as the SDK's standard mode does.
 */
type Env = Readonly<Record<string, string | undefined>>;

export const awsJsonServices = {
  ssm: { targetPrefix: "AmazonSSM", endpointVariable: "AWS_ENDPOINT_URL_SSM" },
  secretsmanager: { targetPrefix: "secretsmanager", endpointVariable: "AWS_ENDPOINT_URL_SECRETS_MANAGER" },
} as const;
export type AwsJsonService = keyof typeof awsJsonServices;

/** An error as the service names it: `name` is its code (ThrottlingException, AccessDeniedException, ...). */
export class AwsServiceError extends Error {
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = code;
    this.status = status;
  }
}

export type AwsJsonCall = (action: string, input: Record<string, unknown>) => Promise<unknown>;

export interface AwsJsonOptions {
  env: Env;
  /** How a request is sent: by Node's own HTTP client and its kept-alive global agents unless given. */
  send?: HttpPost;
  sleep?: Sleep;
  clock?: () => number;
}

/** The SDK's standard mode: three attempts, full-jitter backoff from 100 ms. */
const maxAttempts = 3;
export const attemptTimeoutMs = 10_000;
const throttlingCodes = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
]);

/**
 * `attempt` tried as the SDK's standard mode tries a call: again after throttling, a
 * server error or a failed connection (`dropped`), at most three times.
 */
export async function withStandardRetries<T>(
  attempt: () => Promise<T>,
  sleep: Sleep,
  dropped: (error: unknown) => boolean,
): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      const again =
        error instanceof AwsServiceError
          ? error.status === 429 || error.status >= 500 || throttlingCodes.has(error.name)
          : dropped(error);
      if (tried >= maxAttempts || !again) throw error;
      await sleep(Math.random() * Math.min(20_000, 100 * 2 ** tried));
    }
  }
}

/** `https://<service>.<region>.amazonaws.com`, or the endpoint the SDK's variables name. */
export function awsJsonEndpoint(service: AwsJsonService, env: Env): URL {
  const configured = env[awsJsonServices[service].endpointVariable] ?? env.AWS_ENDPOINT_URL;
  if (configured) return new URL(configured);
  const region = regionOf(env);
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return new URL(`https://${service}.${region}.${domain}/`);
}

function regionOf(env: Env): string {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new AwsServiceError("ConfigError", "AWS_REGION is not set", 0);
  return region;
}

/** The credentials Lambda puts in the environment for the function's role. */
export function credentialsOf(env: Env) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new AwsServiceError(
      "CredentialsProviderError",
      "no AWS credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, as Lambda sets them)",
      0,
    );
  }
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

/** A client of one service: `call("GetParametersByPath", {...})` answers the parsed JSON body. */
export function awsJsonClient(service: AwsJsonService, options: AwsJsonOptions): AwsJsonCall {
  const send = options.send ?? httpPost();
  const sleep = options.sleep ?? realSleep;
  const clock = options.clock ?? Date.now;
  return async (action, input) => {
    const url = awsJsonEndpoint(service, options.env);
    const body = JSON.stringify(input);
    const headers = {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `${awsJsonServices[service].targetPrefix}.${action}`,
    };
    const scope = { region: regionOf(options.env), service, credentials: credentialsOf(options.env) };
    return withStandardRetries(
      async () => {
        const signed = await signRequest({ method: "POST", url, headers, body }, scope, new Date(clock()));
        const answer = await send(url, { headers: signed, body, timeoutMs: attemptTimeoutMs });
        const { status, text } = answer;
        if (status >= 200 && status < 300) return text ? (JSON.parse(text) as unknown) : {};
        throw serviceError(status, answer.headers.get("x-amzn-errortype"), text);
      },
      sleep,
      // No answer at all: the connection reset or refused, the attempt timed out.
      (error) => error instanceof NetworkError,
    );
  };
}

/** The code and message as the SDK reads them: `x-amzn-errortype` or `__type`, trimmed to the name. */
export function serviceError(status: number, errorType: string | undefined, text: string): AwsServiceError {
  let body: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON (a proxy's page): the status says what happened
  }
  const raw = errorType ?? (typeof body.__type === "string" ? body.__type : "");
  const code = raw.split(":")[0]?.split("#").pop() || `Http${status}Error`;
  const message = body.message ?? body.Message;
  return new AwsServiceError(
    code,
    typeof message === "string" && message ? message : `${code} (HTTP ${status})`,
    status,
  );
}

/** Secrets Manager's GetSecretValue: the secret's string (undefined for a binary secret). */
export type SecretReader = (secretId: string) => Promise<string | undefined>;

export function secretsManagerReader(options: AwsJsonOptions): SecretReader {
  const call = awsJsonClient("secretsmanager", options);
  return async (secretId) => {
    const answer = (await call("GetSecretValue", { SecretId: secretId })) as { SecretString?: unknown };
    return typeof answer.SecretString === "string" ? answer.SecretString : undefined;
  };
}
