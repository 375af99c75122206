import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { QueryCommandInput, QueryCommandOutput } from "@aws-sdk/lib-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentityProvider, Provider } from "@smithy/types";
import { AwsServiceError, attemptTimeoutMs, serviceError, withStandardRetries } from "../lib/aws-json.ts";
import { createSigner } from "../lib/sigv4.ts";
import { realSleep, type Sleep } from "../lib/time.ts";
import * as z from "../lib/zod.ts";

/**
 * DynamoDB's Query, called on its JSON API directly: signed by AWS's signer with the SDK
 * client's own credentials and region, answered as the document client answers (the same
 * unmarshalling), with the SDK's error names and its standard retries. A cold scrape of 100
 * zones makes about 200 Queries (one per slice, store/slice-reads.ts); through the SDK's
 * middleware each cost about 1–2.5 ms of CPU, this way about a third of that. Writes, and
 * every other command, keep the SDK.
 */
export type QueryRunner = (input: QueryCommandInput) => Promise<QueryCommandOutput>;

export interface QueryClientOptions {
  /** The SDK client's own (the store writes with it): the same identity and region. */
  credentials: AwsCredentialIdentityProvider;
  region: Provider<string>;
  /** The endpoint the store was given (local mode, tests); otherwise AWS's, as the SDK finds it. */
  endpoint?: string;
  env?: Readonly<Record<string, string | undefined>>;
  sleep?: Sleep;
}

type WireItem = Record<string, WireValue>;
interface WireValue {
  S?: string;
  N?: string;
  B?: string;
  BOOL?: boolean;
  NULL?: boolean;
  M?: WireItem;
  L?: WireValue[];
  SS?: string[];
  NS?: string[];
  BS?: string[];
}

/** A Query's answer as the wire has it; each attribute value is then read by the SDK's unmarshalling. */
const wireItem = z.record(
  z.string(),
  z.custom<WireValue>((value) => typeof value === "object" && value !== null),
);
const wireAnswer = z.object({
  Items: z.optional(z.array(wireItem)),
  LastEvaluatedKey: z.optional(wireItem),
  Count: z.optional(z.number()),
  ScannedCount: z.optional(z.number()),
  ConsumedCapacity: z.optional(z.custom<NonNullable<QueryCommandOutput["ConsumedCapacity"]>>()),
});
type WireAnswer = z.output<typeof wireAnswer>;

export function createQueryClient(options: QueryClientOptions): QueryRunner {
  const env = options.env ?? process.env;
  const sleep = options.sleep ?? realSleep;
  const { credentials, region } = options;
  const signer = createSigner({ region, service: "dynamodb", credentials });
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  let endpoint: URL | undefined;
  return async (input) => {
    endpoint ??= new URL(options.endpoint ?? endpointOf(await region(), env));
    const url = endpoint;
    const body = JSON.stringify(wireInput(input));
    const answer = await withStandardRetries(
      async () => wireAnswer.parse(await post(url, await signed(signer, url, body), body, agents)),
      sleep,
      (error) => error instanceof NetworkError,
    );
    return documentOutput(answer);
  };
}

/** The regional endpoint, or the one the SDK's variables name. */
function endpointOf(region: string, env: Readonly<Record<string, string | undefined>>): string {
  const configured = env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  if (configured) return configured;
  return `https://dynamodb.${region}.${region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"}/`;
}

/** The document client's input as the wire wants it: key values and the start key marshalled. */
function wireInput(input: QueryCommandInput): Record<string, unknown> {
  const { ExpressionAttributeValues, ExclusiveStartKey, ...rest } = input;
  return {
    ...rest,
    ...(ExpressionAttributeValues ? { ExpressionAttributeValues: marshall(ExpressionAttributeValues) } : {}),
    ...(ExclusiveStartKey ? { ExclusiveStartKey: marshall(ExclusiveStartKey) } : {}),
  };
}

function documentOutput(answer: WireAnswer): QueryCommandOutput {
  const { Items, LastEvaluatedKey, ...rest } = answer;
  return {
    ...rest,
    ...(Items ? { Items: Items.map(nativeItem) } : {}),
    ...(LastEvaluatedKey ? { LastEvaluatedKey: nativeItem(LastEvaluatedKey) } : {}),
    $metadata: { httpStatusCode: 200 },
  };
}

/** The SDK's unmarshalling, once binary values (base64 on the wire) are bytes as the SDK gives them. */
const nativeItem = (item: WireItem): Record<string, unknown> =>
  unmarshall(
    Object.fromEntries(Object.entries(item).map(([name, value]) => [name, withBytes(value)])) as never,
  );

function withBytes(value: WireValue): unknown {
  if (value.B !== undefined) return { B: bytesOf(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(bytesOf) };
  if (value.M !== undefined)
    return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, withBytes(v)])) };
  if (value.L !== undefined) return { L: value.L.map(withBytes) };
  return value;
}

/** A plain Uint8Array over the decoded bytes, as the SDK gives binary values. */
function bytesOf(base64: string): Uint8Array {
  const buffer = Buffer.from(base64, "base64");
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

async function signed(signer: SignatureV4, url: URL, body: string): Promise<Record<string, string>> {
  const request = await signer.sign({
    method: "POST",
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers: {
      host: url.host,
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "DynamoDB_20120810.Query",
    },
    body,
  });
  return request.headers;
}

function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  agents: { http: HttpAgent; https: HttpsAgent },
): Promise<unknown> {
  const secure = url.protocol === "https:";
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      {
        agent: secure ? agents.https : agents.http,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
        timeout: attemptTimeoutMs,
      },
      (response) => answerOf(response).then(resolve, reject),
    );
    request.on("timeout", () => request.destroy(new NetworkError("the request timed out")));
    request.on("error", (error) =>
      reject(error instanceof NetworkError ? error : new NetworkError(error.message)),
    );
    request.end(body);
  });
}

async function answerOf(response: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  const status = response.statusCode ?? 0;
  if (status !== 200) {
    const errorType = response.headers["x-amzn-errortype"];
    throw serviceError(status, typeof errorType === "string" ? errorType : undefined, text);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AwsServiceError("SerializationException", "DynamoDB answered no JSON", status);
  }
}

/** A connection refused or reset, or an attempt that timed out: retried as the SDK retries them. */
class NetworkError extends Error {
  override name = "NetworkError";
}
