import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createStore, createTable } from "../../lambda/store/table.ts";
import { type EmbeddedDynamo, startDynalite } from "../../local/dynalite.ts";
import { type Simulator, startSimulator } from "../../local/simulator/server.ts";

/**
 * The Lambda entry points as AWS calls them: settings and clients from the environment
 * (here dynalite and the simulator on the real clock), and the fetcher's EMF line on
 * stdout for the stack's alarms.
 */
describe("Lambda entry points", () => {
  let simulator: Simulator;
  let dynamo: EmbeddedDynamo;
  beforeAll(async () => {
    simulator = await startSimulator({ port: 0 });
    dynamo = await startDynalite();
    await createTable(createStore("entry", { endpoint: dynamo.endpoint }));
    Object.assign(process.env, {
      TABLE_NAME: "entry",
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      CLOUDFLARE_API_TOKEN: "sim-token",
      CLOUDFLARE_API_BASE_URL: simulator.baseUrl,
      METRICS_NAMESPACE: "CloudflareExporter/Test",
      LOG_LEVEL: "error",
    });
  });
  afterAll(async () => {
    await simulator.close();
    await dynamo.close();
  });

  it("discover, then fetchAccount writing one EMF line that matches its summary", async () => {
    const { handler: discover } = await import("../../lambda/handlers/discover.ts");
    const { handler: fetchAccount } = await import("../../lambda/handlers/fetch-account.ts");
    const { accounts } = await discover({ scheduledTime: new Date().toISOString() });
    expect(accounts.map((a) => a.accountName)).toEqual(["Example Corp", "Side Project"]);

    const written: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const summary = await fetchAccount(accounts[0]);
    write.mockRestore();

    expect(summary).toMatchObject({ accountName: "Example Corp", zonesCollected: 3, errorCount: 0 });
    expect(written).toHaveLength(1);
    const line = JSON.parse(written[0] ?? "{}");
    expect(line).toEqual({
      _aws: {
        Timestamp: line._aws.Timestamp,
        CloudWatchMetrics: [
          {
            Namespace: "CloudflareExporter/Test",
            Dimensions: [[]],
            Metrics: [
              { Name: "DataAgeSeconds", Unit: "Seconds" },
              { Name: "RateLimitEvents", Unit: "Count" },
              { Name: "MinutesCounted", Unit: "Count" },
              { Name: "CollectionErrors", Unit: "Count" },
            ],
          },
          {
            Namespace: "CloudflareExporter/Test",
            Dimensions: [["AccountId"]],
            Metrics: [{ Name: "DataAgeSeconds", Unit: "Seconds" }],
          },
        ],
      },
      AccountId: summary.accountId,
      RateLimitEvents: 0,
      MinutesCounted: summary.minutesCounted,
      CollectionErrors: 0,
      DataAgeSeconds: Math.round(line._aws.Timestamp / 1000 - (summary.oldestCursor ?? 0)),
    });
    // Three paid zones over the one-hour initial lookback.
    expect(summary.minutesCounted).toBe(3 * 60);
  });
});
