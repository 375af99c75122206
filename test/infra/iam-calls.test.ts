import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryGroups } from "../../lambda/catalogue/groups/index.ts";
import { snapshotGroups } from "../../lambda/catalogue/snapshots/index.ts";
import { loadConfig } from "../../lambda/config/config.ts";
import { discover } from "../../lambda/handlers/discover.ts";
import { fetchOne } from "../../lambda/handlers/fetch-account.ts";
import { createScrapeCache } from "../../lambda/serve/scrape-cache.ts";
import { readState } from "../../lambda/serve/state.ts";
import { readStateWarm } from "../../lambda/serve/warm-state.ts";
import type { Store } from "../../lambda/store/table.ts";
import { type Harness, startHarness } from "../collect/harness.ts";
import { actionsOf, synth } from "./synth.ts";

/**
 * The roles' DynamoDB actions against the calls the code makes: each handler's code runs on
 * dynalite (which checks no permission) through a table that records every command, over
 * cold and warm runs, and every action it needed must be in its role. A grant the code
 * outgrew is a run refused in AWS that no other test would see.
 */
const actionOf: Record<string, string> = {
  GetCommand: "dynamodb:GetItem",
  PutCommand: "dynamodb:PutItem",
  UpdateCommand: "dynamodb:UpdateItem",
  DeleteCommand: "dynamodb:DeleteItem",
  QueryCommand: "dynamodb:Query",
  BatchGetCommand: "dynamodb:BatchGetItem",
  BatchWriteCommand: "dynamodb:BatchWriteItem",
};

function recording(store: Store, actions: Set<string>): Store {
  const send = (command: { constructor: { name: string } }) => {
    const name = command.constructor.name;
    actions.add(actionOf[name] ?? `unknown:${name}`);
    return store.client.send(command as never);
  };
  return { ...store, client: { send } as unknown as Store["client"] };
}

describe("each role allows what its code calls", () => {
  let harness: Harness;
  const called = { discover: new Set<string>(), fetchAccount: new Set<string>(), serve: new Set<string>() };
  beforeAll(async () => {
    harness = await startHarness();
    const h = harness;
    const cache = createScrapeCache();
    const serveStore = recording(h.store, called.serve);
    const config = loadConfig({ CLOUDFLARE_API_BASE_URL: h.simulator.baseUrl });
    // Every group and snapshot, three minutes (the first cycle, then steady ones), a cold
    // scrape and warm ones after each minute.
    for (let minute = 0; minute < 3; minute++) {
      const scheduledTime = new Date(h.clock.now()).toISOString();
      const all = { groups: queryGroups, snapshots: snapshotGroups };
      const { accounts: items } = await discover(
        h.runtime({ ...all, store: recording(h.store, called.discover) }),
        { scheduledTime },
      );
      for (const item of items)
        await fetchOne(h.runtime({ ...all, store: recording(h.store, called.fetchAccount) }), item);
      await readState(serveStore, config);
      await readStateWarm(serveStore, config, cache);
      h.clock.advance(60_000);
    }
  }, 300_000);
  afterAll(() => harness.close());

  const { stack, template } = synth();
  const roles: Record<keyof typeof called, IConstruct> = {
    discover: stack.collection.discover.role,
    fetchAccount: stack.collection.fetchAccount.role,
    serve: stack.serving.serve.role,
  };
  for (const name of Object.keys(called) as (keyof typeof called)[]) {
    it(name, () => {
      const granted = actionsOf(stack, template, roles[name]).filter((action) =>
        action.startsWith("dynamodb:"),
      );
      const needed = [...called[name]].sort();
      expect(needed.filter((action) => !granted.includes(action))).toEqual([]);
      // The code calls every DynamoDB action its role has: none is granted for nothing.
      expect(granted.filter((action) => !needed.includes(action))).toEqual([]);
    });
  }
});
