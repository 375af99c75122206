import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDirectClient, type DirectClient } from "../../lambda/store/direct-client.ts";
import { createStore, createTable } from "../../lambda/store/table.ts";
import { type EmbeddedDynamo, startDynalite } from "../../local/dynalite.ts";
import { fakeCredentials, signatureMatches } from "../lib/aws-json-fake.ts";

/**
 * The direct calls (store/direct-client.ts) against dynalite behind a proxy that checks
 * every request's SigV4 signature with aws4 (an implementation independent of AWS's
 * signer) and can answer the next requests with an error: its answers are the document
 * client's, item for item, and its errors and retries the SDK's.
 */
const table = "direct-query";
const pk = "ACCOUNT#direct";
let dynamo: EmbeddedDynamo;
let proxy: Server;
let proxyUrl: string;
const failures: { status: number; type: string; body?: string }[] = [];
const forwarded: string[] = [];
/** Every request the proxy saw, signed or not: its operation, and whether the SDK sent it. */
const seen: { target: string; bySdk: boolean }[] = [];
let sdk: DynamoDBDocumentClient;
type QueryRunner = (input: QueryCommandInput) => Promise<QueryCommandOutput>;
let client: DirectClient;
let direct: QueryRunner;

function startProxy(target: string): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({
        target: String(request.headers["x-amz-target"]).replace("DynamoDB_20120810.", ""),
        bySdk: String(request.headers["user-agent"] ?? "").includes("aws-sdk-js"),
      });
      const answer = (status: number, payload: string) => {
        response.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
        response.end(payload);
      };
      if (!signatureMatches(request.headers, request.method ?? "", request.url ?? "/", body))
        return answer(400, JSON.stringify({ __type: "com.amazon.coral.service#InvalidSignatureException" }));
      const failure = failures.shift();
      if (failure?.body !== undefined) return answer(failure.status, failure.body);
      if (failure)
        return answer(
          failure.status,
          JSON.stringify({
            __type: `com.amazonaws.dynamodb.v20120810#${failure.type}`,
            message: `${failure.type} on purpose`,
          }),
        );
      forwarded.push(String(request.headers["x-amz-target"]));
      const upstream = await fetch(target, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.0",
          "x-amz-target": String(request.headers["x-amz-target"]),
          authorization:
            "AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
          "x-amz-date": "20260101T000000Z",
        },
        body,
      });
      answer(upstream.status, await upstream.text());
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const items = [
  { pk, sk: "A#1", data: new Uint8Array([0, 1, 2, 255]), n: 42, f: -1.5, s: "text", t: true, z: null },
  {
    pk,
    sk: "A#2",
    m: { inner: { b: new Uint8Array([9]), l: [1, "two", new Uint8Array([3])] } },
    big: 2 ** 52,
  },
  { pk, sk: "A#3", ss: new Set(["x", "y"]), ns: new Set([1, 2]), bs: new Set([new Uint8Array([7])]) },
  { pk, sk: "B#1", data: new Uint8Array(300_000).fill(7) },
  { pk, sk: "B#2", data: new Uint8Array(300_000).fill(8) },
  { pk, sk: "B#3", data: new Uint8Array(300_000).fill(9) },
  { pk, sk: "B#4", data: new Uint8Array(300_000).fill(10) },
];

/** Values as compared: bytes by their type and digest, so a failure prints a short diff. */
function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array)
    return `${value.constructor.name}(${value.byteLength}):${createHash("sha256").update(value).digest("hex")}`;
  if (value instanceof Set) return { set: [...value].map(comparable) };
  if (Array.isArray(value)) return value.map(comparable);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  return value;
}

/** Every page of a Query, as a reader pages it. */
async function allPages(run: QueryRunner, input: QueryCommandInput) {
  const pages: unknown[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const { $metadata: _, ...answer } = await run({
      ...input,
      ...(start ? { ExclusiveStartKey: start } : {}),
    });
    pages.push(comparable(answer));
    start = answer.LastEvaluatedKey;
  } while (start);
  return pages;
}

beforeAll(async () => {
  dynamo = await startDynalite();
  const store = createStore(table, { endpoint: dynamo.endpoint });
  await createTable(store);
  sdk = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: "eu-west-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    }),
  );
  for (const Item of items) await sdk.send(new PutCommand({ TableName: table, Item }));
  proxy = await startProxy(dynamo.endpoint);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  client = createDirectClient({
    credentials: async () => fakeCredentials,
    region: async () => "eu-west-1",
    endpoint: proxyUrl,
    sleep: async () => {},
  });
  direct = (input) => client.query(input);
});

afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await dynamo.close();
});

const viaSdk: QueryRunner = (input) => sdk.send(new QueryCommand(input));

describe("DynamoDB called directly", () => {
  it("answers what the document client answers, page by page, for every kind of value", async () => {
    const cases: QueryCommandInput[] = [
      { TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": pk } },
      {
        TableName: table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
        ExpressionAttributeValues: { ":pk": pk, ":p": "A#" },
        Limit: 2,
      },
      {
        TableName: table,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues: { ":pk": pk, ":a": "A#2", ":b": "B#2" },
        ConsistentRead: true,
      },
      {
        TableName: table,
        KeyConditionExpression: "pk = :pk AND sk > :a",
        ExpressionAttributeValues: { ":pk": pk, ":a": "A#9" },
        ScanIndexForward: false,
      },
    ];
    for (const input of cases) expect(await allPages(direct, input)).toEqual(await allPages(viaSdk, input));
    // The 1.2 MB of B items come in two pages (DynamoDB's 1 MB page), both ways.
    expect((await allPages(direct, cases[0] as QueryCommandInput)).length).toBe(2);
    const [first] = (await direct(cases[1] as QueryCommandInput)).Items ?? [];
    expect(first?.data).toBeInstanceOf(Uint8Array);
    expect([...((first?.data ?? []) as Uint8Array)]).toEqual([0, 1, 2, 255]);
  });

  it("retries throttling and server errors as the SDK does, then names the error as the SDK names it", async () => {
    const input = {
      TableName: table,
      KeyConditionExpression: "pk = :pk AND sk = :sk",
      ExpressionAttributeValues: { ":pk": pk, ":sk": "A#1" },
    };
    forwarded.length = 0;
    failures.push(
      { status: 400, type: "ProvisionedThroughputExceededException" },
      { status: 500, type: "InternalServerError" },
    );
    expect((await direct(input)).Items?.map((item) => item.sk)).toEqual(["A#1"]);
    expect(forwarded).toEqual(["DynamoDB_20120810.Query"]);
    failures.push(...Array.from({ length: 3 }, () => ({ status: 400, type: "ThrottlingException" })));
    await expect(direct(input)).rejects.toMatchObject({
      name: "ThrottlingException",
      message: "ThrottlingException on purpose",
    });
    failures.push(
      { status: 400, type: "AccessDeniedException" },
      { status: 400, type: "ThrottlingException" },
    );
    await expect(direct(input)).rejects.toMatchObject({ name: "AccessDeniedException" });
    failures.length = 0;
    expect(forwarded).toEqual(["DynamoDB_20120810.Query"]);
  });

  it("refuses an answer that is not a Query's, and does not ask again", async () => {
    const input = {
      TableName: table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": pk },
    };
    forwarded.length = 0;
    failures.push({ status: 200, type: "", body: JSON.stringify({ Items: "not a list" }) });
    await expect(direct(input)).rejects.toThrow(/Items/);
    failures.push({ status: 200, type: "", body: "<html>" });
    await expect(direct(input)).rejects.toMatchObject({ name: "SerializationException" });
    expect(failures).toEqual([]);
    expect(forwarded).toEqual([]);
  });

  it("fails as the SDK fails on a table that does not exist", async () => {
    const input = {
      TableName: "no-such-table",
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": pk },
    };
    const sdkError = await viaSdk(input).catch((error: Error) => error);
    const error = await direct(input).catch((error: Error) => error);
    expect(sdkError).toMatchObject({ name: "ResourceNotFoundException" });
    expect(error).toMatchObject({ name: "ResourceNotFoundException", message: (sdkError as Error).message });
  });

  it("is what a store's document client sends its every call through, and a bad signature is refused", async () => {
    const refused = createDirectClient({
      credentials: async () => ({ ...fakeCredentials, secretAccessKey: "wrong" }),
      region: async () => "eu-west-1",
      endpoint: proxyUrl,
    });
    await expect(
      refused.query({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": pk },
      }),
    ).rejects.toMatchObject({ name: "InvalidSignatureException" });
    const store = createStore(table, { endpoint: dynamo.endpoint });
    const input = {
      TableName: table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": pk },
    };
    expect(await allPages((i) => store.client.send(new QueryCommand(i)), input)).toEqual(
      await allPages(viaSdk, input),
    );
    // Every command the Lambda code sends goes directly; only others (local mode's
    // CreateTable) through the SDK. The store signs as "local", which the proxy refuses:
    // only who sent each is looked at.
    const viaProxy = createStore(table, { endpoint: proxyUrl });
    seen.length = 0;
    const name = (error: Error) => error.name;
    const key = { TableName: table, Key: { pk, sk: "X#1" } };
    const commands = [
      new QueryCommand(input),
      new PutCommand({ TableName: table, Item: { pk, sk: "X#1" } }),
      new GetCommand(key),
      new UpdateCommand({ ...key, UpdateExpression: "SET n = :n", ExpressionAttributeValues: { ":n": 1 } }),
      new DeleteCommand(key),
      new BatchGetCommand({ RequestItems: { [table]: { Keys: [key.Key] } } }),
    ];
    for (const command of commands)
      expect(await viaProxy.client.send(command as QueryCommand).catch(name)).toBe(
        "InvalidSignatureException",
      );
    await expect(createTable(viaProxy)).rejects.toMatchObject({ name: "InvalidSignatureException" });
    expect(seen).toEqual([
      { target: "Query", bySdk: false },
      { target: "PutItem", bySdk: false },
      { target: "GetItem", bySdk: false },
      { target: "UpdateItem", bySdk: false },
      { target: "DeleteItem", bySdk: false },
      { target: "BatchGetItem", bySdk: false },
      { target: "CreateTable", bySdk: true },
    ]);
  });

  it("gets, updates, deletes and gets in batches as the document client does", async () => {
    const strip = <T extends { $metadata?: unknown }>({ $metadata: _, ...rest }: T) => comparable(rest);
    const keyOf = (sk: string) => ({ TableName: table, Key: { pk, sk } });
    for (const sk of ["A#1", "A#2", "A#3", "none"]) {
      const got = { ...keyOf(sk), ConsistentRead: true, ReturnConsumedCapacity: "TOTAL" as const };
      expect(strip(await client.get(got))).toEqual(strip(await sdk.send(new GetCommand(got))));
    }
    // The same update of two copies of an item: the same answer, the same item after it.
    const seed = { data: new Uint8Array([4, 5]), n: 1, ids: new Set(["a"]) };
    await sdk.send(new PutCommand({ TableName: table, Item: { pk, sk: "U#1", ...seed } }));
    await sdk.send(new PutCommand({ TableName: table, Item: { pk, sk: "U#2", ...seed } }));
    const update = (sk: string) => ({
      ...keyOf(sk),
      UpdateExpression: "SET n = n + :one, b = :b ADD ids :ids",
      ConditionExpression: "n < :max",
      ExpressionAttributeValues: {
        ":one": 1,
        ":b": new Uint8Array([6]),
        ":ids": new Set(["b", "c"]),
        ":max": 2,
      },
      ReturnValues: "ALL_NEW" as const,
      ReturnConsumedCapacity: "TOTAL" as const,
    });
    const updated = await client.update(update("U#1"));
    const sdkUpdated = await sdk.send(new UpdateCommand(update("U#2")));
    expect(strip(updated)).toEqual(
      strip({ ...sdkUpdated, Attributes: { ...sdkUpdated.Attributes, sk: "U#1" } }),
    );
    expect(comparable(updated.Attributes)).toEqual(
      comparable({
        pk,
        sk: "U#1",
        data: seed.data,
        n: 2,
        b: new Uint8Array([6]),
        ids: new Set(["a", "b", "c"]),
      }),
    );
    // The condition now fails both ways, as the SDK's own error.
    const refused = await client.update(update("U#1")).catch((e: Error) => e);
    const sdkRefused = await sdk.send(new UpdateCommand(update("U#2"))).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    expect(sdkRefused).toBeInstanceOf(ConditionalCheckFailedException);
    expect((refused as Error).message).toBe((sdkRefused as Error).message);
    const removal = (sk: string) => ({ ...keyOf(sk), ReturnValues: "ALL_OLD" as const });
    const deleted = await client.delete(removal("U#1"));
    const sdkDeleted = await sdk.send(new DeleteCommand(removal("U#2")));
    expect(strip(deleted)).toEqual(
      strip({ ...sdkDeleted, Attributes: { ...sdkDeleted.Attributes, sk: "U#1" } }),
    );
    expect((await client.get(keyOf("U#1"))).Item).toBeUndefined();
    // A batch over items of every kind, one missing: the same items, units and (none) unprocessed keys.
    const keys = ["A#1", "A#2", "A#3", "B#1", "B#2", "B#3", "B#4", "none"].map((sk) => ({ pk, sk }));
    const batch = {
      RequestItems: { [table]: { Keys: keys, ConsistentRead: true } },
      ReturnConsumedCapacity: "TOTAL" as const,
    };
    const sorted = (answer: { Responses?: Record<string, Record<string, unknown>[]> }) =>
      (answer.Responses?.[table] ?? [])
        .map((item) => comparable(item))
        .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    const got = await client.batchGet(batch);
    const sdkGot = await sdk.send(new BatchGetCommand(batch));
    expect(sorted(got)).toEqual(sorted(sdkGot));
    expect(sorted(got)).toHaveLength(7);
    expect(comparable(got.UnprocessedKeys)).toEqual(comparable(sdkGot.UnprocessedKeys));
    expect(got.ConsumedCapacity).toEqual(sdkGot.ConsumedCapacity);
  });

  it("puts as the document client puts: the item, its units, and a failed condition as the SDK's error", async () => {
    const item = {
      pk,
      sk: "P#1",
      format: 3,
      seq: 7,
      data: new Uint8Array(1_500).fill(5),
      m: { l: [1, "x"] },
    };
    const conditional = (Item: Record<string, unknown>, seq: number): PutCommandInput => ({
      TableName: table,
      Item,
      ConditionExpression: "attribute_not_exists(pk) OR #seq < :seq",
      ExpressionAttributeNames: { "#seq": "seq" },
      ExpressionAttributeValues: { ":seq": seq },
      ReturnConsumedCapacity: "TOTAL",
    });
    const { $metadata: _, ...answer } = await client.put(conditional(item, 7));
    const { $metadata: __, ...sdkAnswer } = await sdk.send(
      new PutCommand(conditional({ ...item, sk: "P#2" }, 7)),
    );
    expect(answer).toEqual(sdkAnswer);
    expect(answer.ConsumedCapacity).toEqual({ TableName: table, CapacityUnits: 2 });
    const read = async (sk: string) =>
      comparable((await sdk.send(new GetCommand({ TableName: table, Key: { pk, sk } }))).Item);
    expect(await read("P#1")).toEqual(comparable(item));
    expect(await read("P#1")).toEqual(
      comparable({
        ...(await sdk.send(new GetCommand({ TableName: table, Key: { pk, sk: "P#2" } }))).Item,
        sk: "P#1",
      }),
    );

    const sdkError = await sdk
      .send(new PutCommand(conditional({ ...item, sk: "P#2" }, 7)))
      .catch((e: Error) => e);
    const error = await client.put(conditional(item, 7)).catch((e: Error) => e);
    expect(sdkError).toBeInstanceOf(ConditionalCheckFailedException);
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect((error as Error).message).toBe((sdkError as Error).message);
    // Nothing was written by the refused put: the item still holds write 7.
    expect(await read("P#1")).toEqual(comparable(item));
  });
});
