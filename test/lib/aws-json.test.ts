import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AwsServiceError,
  awsJsonClient,
  awsJsonEndpoint,
  secretsManagerReader,
} from "../../lambda/lib/aws-json.ts";
import { type HttpPost, httpPost, NetworkError, type PostRequest } from "../../lambda/lib/https-post.ts";
import { type AwsJsonFake, errors, startAwsJsonFake } from "./aws-json-fake.ts";

/**
 * The signed JSON calls that replace the SSM and Secrets Manager SDK clients in the
 * Lambdas, against a fake that checks every signature with an independent implementation.
 */
let fake: AwsJsonFake;
const waits: number[] = [];
const sleep = async (ms: number) => {
  waits.push(ms);
};
beforeAll(async () => {
  fake = await startAwsJsonFake();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
  fake.secrets.clear();
  waits.length = 0;
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as AwsServiceError,
  );

describe("a signed AWS JSON call", () => {
  it("reads a secret with a request the service accepts as signed", async () => {
    fake.secrets.set("arn:token", "cf-token");
    expect(await secretsManagerReader({ env: fake.env, sleep })("arn:token")).toBe("cf-token");
    expect(fake.calls).toEqual([
      { target: "secretsmanager.GetSecretValue", input: { SecretId: "arn:token" } },
    ]);
  });

  it("sends the action's target, its input and the signed headers, with a limit of 10 s an attempt", async () => {
    fake.secrets.set("arn:token", "cf-token");
    const sent: { url: string; request: PostRequest }[] = [];
    const send: HttpPost = (url, request) => {
      sent.push({ url: url.href, request });
      return httpPost()(url, request);
    };
    const clock = () => Date.UTC(2026, 0, 2, 3, 4, 5);
    const call = awsJsonClient("secretsmanager", { env: fake.env, sleep, send, clock });
    expect(await call("GetSecretValue", { SecretId: "arn:token" })).toEqual({
      ARN: "arn:token",
      Name: "secret",
      SecretString: "cf-token",
      VersionId: "v1",
    });
    const host = new URL(fake.endpoint).host;
    expect(sent).toEqual([
      {
        url: `${fake.endpoint}/`,
        request: {
          headers: {
            "content-type": "application/x-amz-json-1.1",
            "x-amz-target": "secretsmanager.GetSecretValue",
            host,
            "x-amz-date": "20260102T030405Z",
            "x-amz-security-token": fake.env.AWS_SESSION_TOKEN,
            authorization: expect.stringMatching(
              /^AWS4-HMAC-SHA256 Credential=ASIAFAKEEXAMPLE\/20260102\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
            ),
          },
          body: '{"SecretId":"arn:token"}',
          timeoutMs: 10_000,
        },
      },
    ]);
    expect(fake.calls).toEqual([
      { target: "secretsmanager.GetSecretValue", input: { SecretId: "arn:token" } },
    ]);
  });

  it("is accepted when it arrives seconds after it was signed (the fake checks the request's own time)", async () => {
    fake.secrets.set("arn:late", "late-token");
    const call = awsJsonClient("secretsmanager", { env: fake.env, sleep, clock: () => Date.now() - 5_000 });
    expect(await call("GetSecretValue", { SecretId: "arn:late" })).toMatchObject({
      SecretString: "late-token",
    });
  });

  it("is refused when signed with other keys (the fake checks signatures)", async () => {
    const env = { ...fake.env, AWS_SECRET_ACCESS_KEY: "another-key" };
    const error = await failure(secretsManagerReader({ env, sleep })("arn:token"));
    expect(error).toBeInstanceOf(AwsServiceError);
    expect([error?.name, error?.message, error?.status]).toEqual([
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided.",
      400,
    ]);
  });

  it("names a missing secret value as Secrets Manager does, without retrying", async () => {
    const error = await failure(secretsManagerReader({ env: fake.env, sleep })("arn:empty"));
    expect([error?.name, error?.message]).toEqual([
      "ResourceNotFoundException",
      "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
    ]);
    expect(fake.calls).toHaveLength(1);
  });

  it("retries throttling and server errors (three attempts, backoff from 100 ms), then answers", async () => {
    fake.secrets.set("arn:token", "cf-token");
    fake.failNext(errors.throttling, errors.internal);
    expect(await secretsManagerReader({ env: fake.env, sleep })("arn:token")).toBe("cf-token");
    expect(fake.calls).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits.every((ms, i) => ms >= 0 && ms < 100 * 2 ** (i + 1))).toBe(true);
  });

  it("gives up after three throttled attempts with the service's words", async () => {
    fake.failNext(errors.throttling, errors.throttling, errors.throttling);
    const call = awsJsonClient("ssm", { env: fake.env, sleep });
    const error = await failure(call("GetParametersByPath", { Path: "/x" }));
    expect([error?.name, error?.message, error?.status]).toEqual([
      "ThrottlingException",
      "Rate exceeded",
      400,
    ]);
    expect(fake.calls).toHaveLength(3);
  });

  it("does not retry AccessDenied, and keeps AWS's message", async () => {
    fake.failNext(errors.accessDenied);
    const call = awsJsonClient("ssm", { env: fake.env, sleep });
    const error = await failure(call("GetParametersByPath", { Path: "/x" }));
    expect([error?.name, error?.message]).toEqual(["AccessDeniedException", errors.accessDenied.message]);
    expect(fake.calls).toHaveLength(1);
  });

  it("retries a refused connection, then fails with the socket's error", async () => {
    const env = { ...fake.env, AWS_ENDPOINT_URL: "http://127.0.0.1:1" };
    const error = await failure(awsJsonClient("ssm", { env, sleep })("GetParametersByPath", {}));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error?.message).toBe("connect ECONNREFUSED 127.0.0.1:1");
    expect(waits).toHaveLength(2);
  });

  it("retries an attempt left unanswered past its time, three attempts in all", async () => {
    let attempts = 0;
    const silent = createServer(() => {
      attempts++;
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const env = {
      ...fake.env,
      AWS_ENDPOINT_URL: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
    };
    const send: HttpPost = (url, request) => httpPost()(url, { ...request, timeoutMs: 50 });
    const error = await failure(secretsManagerReader({ env, sleep, send })("arn:token"));
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    expect(error).toBeInstanceOf(NetworkError);
    expect([error?.message, attempts, waits.length]).toEqual(["no answer within 50 ms", 3, 2]);
  });

  it("says what is missing without credentials or region in the environment", async () => {
    const { AWS_ACCESS_KEY_ID: _, ...noKeys } = fake.env;
    expect((await failure(secretsManagerReader({ env: noKeys, sleep })("arn:token")))?.message).toBe(
      "no AWS credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, as Lambda sets them)",
    );
    const { AWS_REGION: __, ...noRegion } = fake.env;
    expect((await failure(secretsManagerReader({ env: noRegion, sleep })("arn:token")))?.message).toBe(
      "AWS_REGION is not set",
    );
    expect(fake.calls).toEqual([]);
  });
});

describe("the endpoint", () => {
  it("is the service's regional endpoint, in the China partition's domain there", () => {
    expect(awsJsonEndpoint("ssm", { AWS_REGION: "eu-west-1" }).href).toBe(
      "https://ssm.eu-west-1.amazonaws.com/",
    );
    expect(awsJsonEndpoint("secretsmanager", { AWS_REGION: "us-gov-west-1" }).href).toBe(
      "https://secretsmanager.us-gov-west-1.amazonaws.com/",
    );
    expect(awsJsonEndpoint("ssm", { AWS_REGION: "cn-north-1" }).href).toBe(
      "https://ssm.cn-north-1.amazonaws.com.cn/",
    );
  });

  it("is the one the SDK's variables name, the service's own first", () => {
    const env = {
      AWS_REGION: "eu-west-1",
      AWS_ENDPOINT_URL: "http://all.local:1/",
      AWS_ENDPOINT_URL_SSM: "http://ssm.local:2/",
    };
    expect(awsJsonEndpoint("ssm", env).href).toBe("http://ssm.local:2/");
    expect(awsJsonEndpoint("secretsmanager", env).href).toBe("http://all.local:1/");
  });
});
