import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryGroups } from "../../lambda/catalogue/groups/index.ts";
import { snapshotGroups } from "../../lambda/catalogue/snapshots/index.ts";
import { discoverAccounts } from "../../lambda/collect/discovery.ts";
import { loadConfig } from "../../lambda/config/config.ts";
import { renderOpenMetrics } from "../../lambda/exposition/openmetrics.ts";
import { renderText } from "../../lambda/exposition/text.ts";
import { buildFamilies } from "../../lambda/serve/families.ts";
import { readState, type StoredState } from "../../lambda/serve/state.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import { type Harness, hostMetricsEnv, startHarness } from "../collect/harness.ts";

/**
 * The endpoint reads the store into columns; the fetcher reads it into series objects.
 * Over a state collected by every group (the simulator's world, a few minutes of runs),
 * both give the same exposition, byte for byte, in both formats.
 */
describe("the scrape's columns", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ env: hostMetricsEnv });
    await discoverAccounts(harness.runtime());
    for (let run = 0; run < 3; run++) {
      await harness.runAll({ groups: queryGroups, snapshots: snapshotGroups });
      harness.clock.advance(60_000);
    }
  }, 120_000);
  afterAll(() => harness.close());

  it("print what the series objects print", async () => {
    const config = loadConfig({});
    const build = { version: "test", runtime: "node" };
    const columns = await readState(harness.store, config);
    const objects: StoredState = {
      ...columns,
      accounts: await Promise.all(
        columns.accounts.map(async ({ columns: _columns, ...account }) => ({
          ...account,
          shards: await readAccountShards(harness.store, account.account.id),
        })),
      ),
    };
    const now = harness.clock.now();
    const text = renderText(buildFamilies(columns, config, build, undefined, now));
    expect(text).toBe(renderText(buildFamilies(objects, config, build, undefined, now)));
    expect(renderOpenMetrics(buildFamilies(columns, config, build, undefined, now))).toBe(
      renderOpenMetrics(buildFamilies(objects, config, build, undefined, now)),
    );
    // Every stored series is printed (and the five exporter-wide zone and account counts).
    const series = objects.accounts
      .flatMap((a) => a.shards)
      .reduce((n, s) => n + Object.keys(s.series).length, 0);
    const printed = text.split("\n").filter((line) => /^cloudflare_(?!exporter_)/.test(line));
    expect(printed.length).toBe(series + 5);
  });
});
