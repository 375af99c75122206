import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { discover } from "../../lambda/handlers/discover.ts";
import { readToken } from "../../lambda/handlers/environment.ts";
import { fetchOne } from "../../lambda/handlers/fetch-account.ts";
import { type Harness, startHarness } from "../collect/harness.ts";

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
      })),
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
  const secrets = mockClient(SecretsManagerClient);
  afterEach(() => secrets.reset());

  it("comes from the environment in local mode", async () => {
    expect(await readToken({ CLOUDFLARE_API_TOKEN: "local-token" })).toBe("local-token");
  });

  it("comes from Secrets Manager in AWS", async () => {
    secrets.on(GetSecretValueCommand, { SecretId: "arn:secret" }).resolves({ SecretString: " cf-token \n" });
    expect(
      await readToken({ CLOUDFLARE_API_TOKEN_SECRET_ARN: "arn:secret" }, new SecretsManagerClient({})),
    ).toBe("cf-token");
  });

  it("says clearly when the secret is still empty", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: "" });
    await expect(
      readToken({ CLOUDFLARE_API_TOKEN_SECRET_ARN: "arn:secret" }, new SecretsManagerClient({})),
    ).rejects.toThrow("the secret arn:secret holds no Cloudflare API token yet");
  });

  it("says the same when the secret was created without a value (no version yet)", async () => {
    secrets.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret value",
        $metadata: {},
      }),
    );
    await expect(
      readToken({ CLOUDFLARE_API_TOKEN_SECRET_ARN: "arn:secret" }, new SecretsManagerClient({})),
    ).rejects.toThrow(
      "the secret arn:secret holds no Cloudflare API token yet: fill it with aws secretsmanager put-secret-value",
    );
  });
});
