import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { queryGroups } from "../../lambda/catalogue/groups/index.ts";
import { runMetricsLine } from "../../lambda/collect/run-metrics.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
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

    // Every zone has a dataset its plan allows (the free one, the adaptive ones); the bot
    // fields are asked of the Enterprise zone only.
    expect(summary).toMatchObject({ accountName: "Example Corp", zonesCollected: 4, errorCount: 0 });
    expect(written).toHaveLength(1);
    // The line is the one its builder makes from this summary (its shape is tested beside the builder).
    const timestamp = JSON.parse(written[0] ?? "{}")._aws.Timestamp as number;
    expect(written[0]).toBe(`${runMetricsLine(summary, timestamp, "CloudflareExporter/Test")}\n`);
    // Every query group of every zone (and of the account) over the one-hour initial lookback.
    const shards = await readAccountShards(
      createStore("entry", { endpoint: dynamo.endpoint }),
      summary.accountId,
    );
    const minuteSeries = new Set(
      shards.filter((s) => queryGroups.some((g) => g.name === s.group)).map((s) => `${s.group}/${s.scopeId}`),
    );
    // Enterprise zone: all 19 zone groups but the Free stand-ins and the per-hostname groups
    // (no HOST_METRICS_ALLOWLIST); Business and Pro: all but the bot fields and zone logpush
    // (17 each); Free: the 8 adaptive HTTP groups, DNS and the two stand-ins for
    // httpRequests1mGroups (11; not the content-type and ASN groups, whose fields Cloudflare
    // refuses it); the account: 18 groups.
    expect(minuteSeries.size).toBe(19 + 17 + 17 + 11 + 18);
    expect(summary.minutesCounted).toBe(minuteSeries.size * 60);
  });
});
