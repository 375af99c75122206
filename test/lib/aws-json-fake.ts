import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import aws4 from "aws4";

/**
 * SSM Parameter Store and Secrets Manager as their JSON APIs answer, over real HTTP: every
 * request's SigV4 signature is checked with aws4 (an implementation independent of the
 * exporter's signer) and refused as AWS refuses a bad one. GetParametersByPath pages its
 * answer; GetSecretValue answers ResourceNotFoundException for a secret without a value.
 * `failNext` answers the next requests with an error as the service words it.
 */
export interface AwsJsonFake {
  endpoint: string;
  /** What a Lambda's environment would hold to reach this fake. */
  env: Record<string, string>;
  parameters: Map<string, string>;
  secrets: Map<string, string>;
  pageSize: number;
  calls: { target: string; input: Record<string, unknown> }[];
  failNext(...errors: { status: number; type: string; message: string }[]): void;
  close(): Promise<void>;
}

export const fakeCredentials = {
  accessKeyId: "ASIAFAKEEXAMPLE",
  secretAccessKey: "fake/secret+key",
  sessionToken: "FwoGZXIvYXdzEXAMPLE/token+=",
};

export const errors = {
  throttling: { status: 400, type: "ThrottlingException", message: "Rate exceeded" },
  accessDenied: {
    status: 400,
    type: "AccessDeniedException",
    message:
      "User: arn:aws:sts::123456789012:assumed-role/exporter/fetch is not authorized to perform: ssm:GetParametersByPath on resource: arn:aws:ssm:eu-west-1:123456789012:parameter/cloudflare-exporter/config because no identity-based policy allows the ssm:GetParametersByPath action",
  },
  internal: { status: 500, type: "InternalServerError", message: "An internal error occurred" },
};

export function signatureMatches(
  headers: Record<string, string | string[] | undefined>,
  method: string,
  path: string,
  body: string,
) {
  const authorization = String(headers.authorization ?? "");
  const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(";") ?? [];
  const signed = Object.fromEntries(signedNames.map((name) => [name, String(headers[name] ?? "")]));
  const region = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(authorization)?.[1] ?? "";
  const service = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(authorization)?.[1] ?? "";
  const signer = new aws4.RequestSigner(
    { host: signed.host, path, method, service, region, body, headers: signed, doNotModifyHeaders: true },
    fakeCredentials,
  );
  // The request's own time: with doNotModifyHeaders the signer would otherwise take the
  // clock's, and a request that arrived in the next second would not match.
  signer.datetime = signed["x-amz-date"];
  const expected = signer.sign().headers?.Authorization;
  return signedNames.includes("x-amz-target") && authorization === expected;
}

export async function startAwsJsonFake(): Promise<AwsJsonFake> {
  const pending: { status: number; type: string; message: string }[] = [];
  const fake: Omit<AwsJsonFake, "endpoint" | "env" | "close"> = {
    parameters: new Map(),
    secrets: new Map(),
    pageSize: 10,
    calls: [],
    failNext: (...failures) => pending.push(...failures),
  };
  const answer = (target: string, input: Record<string, unknown>): [number, unknown] => {
    if (target === "AmazonSSM.GetParametersByPath") {
      const path = String(input.Path);
      const under = [...fake.parameters].filter(
        ([name]) => name.startsWith(`${path}/`) && !name.slice(path.length + 1).includes("/"),
      );
      const start = Number(input.NextToken ?? 0);
      const page = under.slice(start, start + fake.pageSize);
      return [
        200,
        {
          Parameters: page.map(([Name, Value]) => ({
            Name,
            Value,
            Type: "String",
            Version: 1,
            DataType: "text",
          })),
          ...(start + fake.pageSize < under.length ? { NextToken: String(start + fake.pageSize) } : {}),
        },
      ];
    }
    if (target === "secretsmanager.GetSecretValue") {
      const value = fake.secrets.get(String(input.SecretId));
      if (value === undefined)
        return [
          400,
          {
            __type: "ResourceNotFoundException",
            Message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
          },
        ];
      return [200, { ARN: input.SecretId, Name: "secret", SecretString: value, VersionId: "v1" }];
    }
    return [400, { __type: "UnknownOperationException" }];
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const target = String(request.headers["x-amz-target"] ?? "");
      const input = JSON.parse(body || "{}") as Record<string, unknown>;
      fake.calls.push({ target, input });
      const send = (status: number, payload: unknown) => {
        response.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify(payload));
      };
      if (!signatureMatches(request.headers, request.method ?? "", request.url ?? "/", body)) {
        send(400, {
          __type: "InvalidSignatureException",
          message: "The request signature we calculated does not match the signature you provided.",
        });
        return;
      }
      const failure = pending.shift();
      if (failure) {
        send(failure.status, { __type: failure.type, message: failure.message });
        return;
      }
      send(...answer(target, input));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    endpoint,
    env: {
      AWS_REGION: "eu-west-1",
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: fakeCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: fakeCredentials.secretAccessKey,
      AWS_SESSION_TOKEN: fakeCredentials.sessionToken,
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
