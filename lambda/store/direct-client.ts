import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import type {
  BatchGetCommandInput,
  BatchGetCommandOutput,
  DeleteCommandInput,
  DeleteCommandOutput,
  GetCommandInput,
  GetCommandOutput,
  PutCommandInput,
  PutCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  UpdateCommandInput,
  UpdateCommandOutput,
} from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { AwsCredentialIdentityProvider, Provider } from "@smithy/types";
import { AwsServiceError, attemptTimeoutMs, serviceError, withStandardRetries } from "../lib/aws-json.ts";
import { type HttpPost, httpPost, NetworkError } from "../lib/https-post.ts";
import { once } from "../lib/once.ts";
import { createSigner, type Signer } from "../lib/sigv4.ts";
import { realSleep, type Sleep } from "../lib/time.ts";
import * as z from "../lib/zod.ts";
import { base64Bytes, mapValues, nativeItem, type WireValue, wireInput } from "./wire.ts";

/**
 * Every DynamoDB call the Lambda code makes (GetItem, PutItem, UpdateItem, DeleteItem, Query,
 * BatchGetItem), on DynamoDB's JSON API directly: SigV4-signed (lib/sigv4.ts) with the store's
 * credentials and region, answered as the document client answers (the same marshalling and
 * unmarshalling), with the SDK's error names (a failed condition is the SDK's own
 * ConditionalCheckFailedException) and its standard retries. A scrape of 100 zones makes
 * about 200 Queries, cold or warm (one per slice: store/slice-reads.ts, ring-reads.ts),
 * and a fetcher's minute about 200 puts (one per slice, store/slices.ts): through the
 * SDK's middleware each cost about 1–2.5 ms of CPU, this way about a third of that. And
 * with no DynamoDB call left to the SDK, the Lambda bundles leave its clients out
 * (lib/dynamodb-in-bundle/): most of what a cold start imported.
 */
export interface DirectClient {
  get(input: GetCommandInput): Promise<GetCommandOutput>;
  put(input: PutCommandInput): Promise<PutCommandOutput>;
  update(input: UpdateCommandInput): Promise<UpdateCommandOutput>;
  delete(input: DeleteCommandInput): Promise<DeleteCommandOutput>;
  query(input: QueryCommandInput): Promise<QueryCommandOutput>;
  batchGet(input: BatchGetCommandInput): Promise<BatchGetCommandOutput>;
}

export interface DirectClientOptions {
  /** The store's DynamoDB client's own: the same identity and region. */
  credentials: AwsCredentialIdentityProvider;
  region: Provider<string>;
  /** The endpoint the store was given (local mode, tests); otherwise AWS's, as the SDK finds it. */
  endpoint?: string;
  env?: Readonly<Record<string, string | undefined>>;
  sleep?: Sleep;
}

// The answers' schemas, built at the first answer read rather than at a cold start's import.
const answers = once(() => {
  /** Answers as the wire has them; each attribute value is then read by the SDK's unmarshalling. */
  const wireItem = z.record(
    z.string(),
    z.custom<WireValue>((value) => typeof value === "object" && value !== null),
  );
  const consumed = z.optional(z.custom<NonNullable<QueryCommandOutput["ConsumedCapacity"]>>());
  const query = z.object({
    Items: z.optional(z.array(wireItem)),
    LastEvaluatedKey: z.optional(wireItem),
    Count: z.optional(z.number()),
    ScannedCount: z.optional(z.number()),
    ConsumedCapacity: consumed,
  });
  /** PutItem, UpdateItem and DeleteItem: the item's attributes when asked for (ReturnValues). */
  const write = z.object({ Attributes: z.optional(wireItem), ConsumedCapacity: consumed });
  const get = z.object({ Item: z.optional(wireItem), ConsumedCapacity: consumed });
  const batchGet = z.object({
    Responses: z.optional(z.record(z.string(), z.array(wireItem))),
    UnprocessedKeys: z.optional(z.record(z.string(), z.looseObject({ Keys: z.array(wireItem) }))),
    ConsumedCapacity: z.optional(z.custom<NonNullable<BatchGetCommandOutput["ConsumedCapacity"]>>()),
  });
  return { query, write, get, batchGet };
});

const answered = { $metadata: { httpStatusCode: 200 } };

type Call = (action: string, input: Record<string, unknown>) => Promise<unknown>;

export function createDirectClient(options: DirectClientOptions): DirectClient {
  const call = createCall(options);
  const written = async (action: string, input: Record<string, unknown>) => {
    const { Attributes, ...rest } = answers().write.parse(await call(action, wireInput(input)));
    return { ...rest, ...(Attributes ? { Attributes: nativeItem(Attributes) } : {}), ...answered };
  };
  return {
    async get(input) {
      const { Item, ...rest } = answers().get.parse(await call("GetItem", wireInput(input)));
      return { ...rest, ...(Item ? { Item: nativeItem(Item) } : {}), ...answered };
    },
    put: (input) => written("PutItem", input),
    update: (input) => written("UpdateItem", input),
    delete: (input) => written("DeleteItem", input),
    async query(input) {
      const { Items, LastEvaluatedKey, ...rest } = answers().query.parse(
        await call("Query", wireInput(input)),
      );
      return {
        ...rest,
        ...(Items ? { Items: Items.map(nativeItem) } : {}),
        ...(LastEvaluatedKey ? { LastEvaluatedKey: nativeItem(LastEvaluatedKey) } : {}),
        ...answered,
      };
    },
    batchGet: (input) => batchGet(call, input),
  };
}

/** One action, signed, sent, retried as the SDK retries, its error named as the SDK names it. */
function createCall(options: DirectClientOptions): Call {
  const env = options.env ?? process.env;
  const sleep = options.sleep ?? realSleep;
  const { credentials, region } = options;
  const signer = createSigner({ region, service: "dynamodb", credentials });
  const send = httpPost({
    http: new HttpAgent({ keepAlive: true }),
    https: new HttpsAgent({ keepAlive: true }),
  });
  let endpoint: URL | undefined;
  return async (action, input) => {
    endpoint ??= new URL(options.endpoint ?? endpointOf(await region(), env));
    const url = endpoint;
    const body = JSON.stringify(input);
    try {
      return await withStandardRetries(
        async () => post(send, url, await signed(signer, url, body, action), body),
        sleep,
        (error) => error instanceof NetworkError,
      );
    } catch (error) {
      throw asSdkError(error);
    }
  };
}

/** BatchGetItem: each table's keys marshalled, its items and unprocessed keys unmarshalled. */
async function batchGet(call: Call, input: BatchGetCommandInput): Promise<BatchGetCommandOutput> {
  const requests = Object.entries(input.RequestItems ?? {}).map(([table, request]) => [
    table,
    {
      ...request,
      ...(request.Keys ? { Keys: request.Keys.map((key) => base64Bytes(marshall(key))) } : {}),
    },
  ]);
  const answer = answers().batchGet.parse(
    await call("BatchGetItem", { ...input, RequestItems: Object.fromEntries(requests) }),
  );
  const { Responses, UnprocessedKeys, ...rest } = answer;
  return {
    ...rest,
    ...(Responses ? { Responses: mapValues(Responses, (items) => items.map(nativeItem)) } : {}),
    ...(UnprocessedKeys
      ? {
          UnprocessedKeys: mapValues(UnprocessedKeys, (left) => ({
            ...left,
            Keys: left.Keys.map(nativeItem),
          })),
        }
      : {}),
    ...answered,
  } as BatchGetCommandOutput;
}

/** The regional endpoint, or the one the SDK's variables name. */
function endpointOf(region: string, env: Readonly<Record<string, string | undefined>>): string {
  const configured = env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  if (configured) return configured;
  return `https://dynamodb.${region}.${region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"}/`;
}

/** The condition the store's writers look for, as the SDK throws it. */
function asSdkError(error: unknown): unknown {
  if (!(error instanceof AwsServiceError) || error.name !== "ConditionalCheckFailedException") return error;
  return new ConditionalCheckFailedException({
    message: error.message,
    $metadata: { httpStatusCode: error.status },
  });
}

function signed(signer: Signer, url: URL, body: string, action: string): Promise<Record<string, string>> {
  return signer.sign({
    method: "POST",
    url,
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `DynamoDB_20120810.${action}` },
    body,
  });
}

async function post(
  send: HttpPost,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<unknown> {
  const { status, headers: answered, text } = await send(url, { headers, body, timeoutMs: attemptTimeoutMs });
  if (status !== 200) throw serviceError(status, answered.get("x-amzn-errortype"), text);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AwsServiceError("SerializationException", "DynamoDB answered no JSON", status);
  }
}
