import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { discover } from "../../lambda/handlers/discover.ts";
import { readToken } from "../../lambda/handlers/environment.ts";
import { fetchOne } from "../../lambda/handlers/fetch-account.ts";
import { type Harness, startHarness } from "../collect/harness.ts";
import { type AwsJsonFake, errors, startAwsJsonFake } from "../lib/aws-json-fake.ts";

describe("handlers", () => {
  let harness: Harness;
  afterEach(() => harness?.close());

  it("discover returns one Map item per account, and fetchAccount collects one", async () => {
    harness = await startHarness();
    const deps = harness.runtime();
    const items = await discover(deps, { scheduledTime: "2026-11-20T12:00:00Z" });
    expect(items).toEqual({
      accounts: harness.simulator.world.accounts.map((a) => ({
        accountId: a.id,
        accountName: a.name,
        scheduledTime: "2026-11-20T12:00:00Z",
        // Each item told what draws from the token's budget: both accounts' zone chunks
        // (the account datasets are not collected here).
        onBudget: { chunks: 2, accounts: 0 },
      })),
      // Two items of two requests a minute each: the budget feeds both at once.
      maxConcurrency: 2,
    });
    const first = items.accounts[0];
    const summary = await fetchOne(deps, first);
    // Three paid zones caught up over the one-hour initial lookback; the free zone is skipped.
    expect(summary).toMatchObject({
      accountName: "Example Corp",
      minutesCounted: 3 * 60,
      zonesCollected: 3,
      zonesWithoutDataset: 1,
      shardsWritten: 3,
      errorCount: 0,
      errors: [],
    });
  });

  it("refuses an event that does not name an account", async () => {
    harness = await startHarness();
    await expect(fetchOne(harness.runtime(), { accountName: "x" })).rejects.toThrow(/accountId/);
  });
});

describe("the API token", () => {
  // Secrets Manager as its JSON API answers, over HTTP (test/lib/aws-json-fake.ts).
  let secrets: AwsJsonFake;
  beforeAll(async () => {
    secrets = await startAwsJsonFake();
  });
  afterAll(() => secrets.close());
  afterEach(() => secrets.secrets.clear());
  const fromSecret = { CLOUDFLARE_API_TOKEN_SECRET_ARN: "arn:secret" };

  it("comes from the environment in local mode", async () => {
    expect(await readToken({ CLOUDFLARE_API_TOKEN: "local-token" })).toBe("local-token");
  });

  it("comes from Secrets Manager in AWS", async () => {
    secrets.secrets.set("arn:secret", " cf-token \n");
    expect(await readToken({ ...secrets.env, ...fromSecret })).toBe("cf-token");
  });

  it("says clearly when the secret is still empty", async () => {
    secrets.secrets.set("arn:secret", "");
    await expect(readToken({ ...secrets.env, ...fromSecret })).rejects.toThrow(
      "the secret arn:secret holds no Cloudflare API token yet",
    );
  });

  it("says the same when the secret was created without a value (no version yet)", async () => {
    await expect(readToken({ ...secrets.env, ...fromSecret })).rejects.toThrow(
      "the secret arn:secret holds no Cloudflare API token yet: fill it with aws secretsmanager put-secret-value",
    );
  });

  it("passes on any other refusal in AWS's words", async () => {
    secrets.failNext(errors.accessDenied);
    await expect(readToken({ ...secrets.env, ...fromSecret })).rejects.toThrow(errors.accessDenied.message);
  });
});
