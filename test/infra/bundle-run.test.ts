import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore, createTable } from "../../lambda/store/table.ts";
import { bundleHandler, handlerEntries } from "../../lib/bundling.ts";
import { type EmbeddedDynamo, startDynalite } from "../../local/dynalite.ts";
import { type Simulator, startSimulator } from "../../local/simulator/server.ts";
import { type AwsJsonFake, startAwsJsonFake } from "../lib/aws-json-fake.ts";
import { type Receiver, startReceiver } from "../push/receiver.ts";

/**
 * The bundles themselves at work, as the stack builds them (lib/bundling.ts): what the
 * bundle replaces or splits off (graphql's parser, the SSM and Secrets Manager clients,
 * the push path's chunk) runs here, not only in the sources. The token and the scrape
 * credentials come from Secrets Manager and an override from SSM (the signed-call fake),
 * Cloudflare is the simulator, DynamoDB is dynalite, and the push goes to a receiver.
 */
type Handler = (event: unknown) => Promise<unknown>;

describe("the bundled handlers", () => {
  const outdir = mkdtempSync(join(tmpdir(), "exporter-bundle-run-"));
  let simulator: Simulator;
  let dynamo: EmbeddedDynamo;
  let aws: AwsJsonFake;
  let receiver: Receiver;
  const load = async (name: keyof typeof handlerEntries) => {
    bundleHandler(handlerEntries[name], join(outdir, name));
    return ((await import(pathToFileURL(join(outdir, name, "index.mjs")).href)) as { handler: Handler })
      .handler;
  };

  beforeAll(async () => {
    [simulator, dynamo, aws, receiver] = await Promise.all([
      startSimulator({ port: 0 }),
      startDynalite(),
      startAwsJsonFake(),
      startReceiver(),
    ]);
    await createTable(createStore("bundled", { endpoint: dynamo.endpoint }));
    aws.secrets.set("arn:token", "sim-token");
    aws.secrets.set("arn:scrape", JSON.stringify({ bearerToken: "scrape-token-0123456789" }));
    aws.parameters.set("/exporter/config/remoteWriteMaxSamplesPerRequest", "700");
    Object.assign(process.env, {
      AWS_REGION: aws.env.AWS_REGION,
      AWS_ACCESS_KEY_ID: aws.env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: aws.env.AWS_SECRET_ACCESS_KEY,
      AWS_SESSION_TOKEN: aws.env.AWS_SESSION_TOKEN,
      AWS_ENDPOINT_URL_SSM: aws.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      TABLE_NAME: "bundled",
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      CLOUDFLARE_API_TOKEN_SECRET_ARN: "arn:token",
      SCRAPE_CREDENTIALS_SECRET_ARN: "arn:scrape",
      CONFIG_PARAMETER_PATH: "/exporter/config",
      CLOUDFLARE_API_BASE_URL: simulator.baseUrl,
      REMOTE_WRITE_URL: receiver.url,
      REMOTE_WRITE_AUTH: "none",
      LOG_LEVEL: "error",
    });
  });
  afterAll(async () => {
    await Promise.all([simulator.close(), dynamo.close(), aws.close(), receiver.close()]);
    rmSync(outdir, { recursive: true, force: true });
  });

  it("discover and fetchAccount collect and push; serve answers the scrape with the secret's token", async () => {
    const discover = await load("discover");
    const fetchAccount = await load("fetchAccount");
    const { accounts } = (await discover({ scheduledTime: new Date().toISOString() })) as {
      accounts: { accountName: string }[];
    };
    expect(accounts.map((a) => a.accountName)).toEqual(["Example Corp", "Side Project"]);
    const summary = (await fetchAccount(accounts[0])) as {
      accountName: string;
      zonesCollected: number;
      errorCount: number;
      push?: { acceptedSamples: number; failedRequests: number; pendingSamples: number };
    };
    expect(summary).toMatchObject({ accountName: "Example Corp", zonesCollected: 4, errorCount: 0 });
    // The push sends its most requests per run (20), each of the SSM override's 700 samples
    // (the default is 2,000); every sample it counts as accepted reached the receiver.
    expect(summary.push).toMatchObject({ acceptedSamples: 14_000, failedRequests: 0 });
    expect(receiver.requestSizes).toEqual(Array.from({ length: 20 }, () => 700));
    expect([receiver.backwards, receiver.conflicts]).toEqual([[], []]);
    expect(new Set(aws.calls.map((call) => call.target))).toEqual(
      new Set(["secretsmanager.GetSecretValue", "AmazonSSM.GetParametersByPath"]),
    );

    const serve = (await load("serve")) as (
      event: APIGatewayProxyEventV2,
    ) => Promise<APIGatewayProxyStructuredResultV2>;
    const scrape = (token: string) =>
      serve({
        rawPath: "/metrics",
        rawQueryString: "",
        headers: { authorization: `Bearer ${token}` },
        requestContext: { http: { method: "GET" } },
      } as unknown as APIGatewayProxyEventV2);
    const refused = await scrape("wrong-token-0123456789");
    expect(refused.statusCode, JSON.stringify(refused)).toBe(401);
    const answer = await scrape("scrape-token-0123456789");
    expect(answer.statusCode, JSON.stringify(answer).slice(0, 500)).toBe(200);
    expect(String(answer.body)).toContain(
      'cloudflare_exporter_collected_from_timestamp_seconds{account="Example Corp",query="adaptive-origin-errors",zone="example.com"}',
    );
  });
});
