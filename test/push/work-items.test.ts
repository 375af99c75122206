import { afterEach, describe, expect, it } from "vitest";
import type { FetchDeps } from "../../lambda/collect/fetch-account.ts";
import { discover } from "../../lambda/handlers/discover.ts";
import { fetchOne } from "../../lambda/handlers/fetch-account.ts";
import { createPush } from "../../lambda/push/runtime.ts";
import { readJournal } from "../../lambda/store/push-journal.ts";
import { readAccountShards } from "../../lambda/store/shards.ts";
import type { WorldSpec } from "../../local/simulator/world.ts";
import { type Harness, startHarness } from "../collect/harness.ts";
import { type Receiver, startReceiver } from "./receiver.ts";

/**
 * The push journal is one item per account, and the work items of a large account push
 * side by side in the same minute. Each pushes the samples of the shards it wrote and the
 * waiting ones of those shards only; their journal writes race and merge. Every sample
 * reaches the receiver exactly once and in order, and every minute's increase is exact.
 */
const world: WorldSpec = {
  seed: "push-work-items",
  accounts: [
    {
      name: "Platform",
      zones: Array.from({ length: 35 }, (_, i) => ({ name: `site-${i}.example`, plan: "business" as const })),
    },
  ],
  tokens: [{ value: "sim-token" }],
};
const build = { version: "test", runtime: "node" };

describe("the push of several work items of one account", () => {
  let harness: Harness;
  let receiver: Receiver;
  afterEach(async () => {
    await harness.close();
    await receiver.close();
  });

  it("delivers every sample exactly once, in order, through outages, while the items' journal writes race", async () => {
    receiver = await startReceiver();
    harness = await startHarness({
      world,
      env: {
        INITIAL_LOOKBACK_SECONDS: "600",
        ZONES_PER_WORK_ITEM: "10",
        REMOTE_WRITE_URL: receiver.url,
        REMOTE_WRITE_AUTH: "none",
      },
    });
    const h = harness;
    // Each minute the four items' pushes all read the journal before any of them writes it,
    // so at least three of their writes lose the race and merge.
    let reads = 0;
    let conflicts = 0;
    let writes = 0;
    let open = () => {};
    let allRead = new Promise<void>((resolve) => {
      open = resolve;
    });
    const send = h.store.client.send.bind(h.store.client) as (command: object) => Promise<unknown>;
    type Command = {
      constructor: { name: string };
      input: { Key?: { sk?: unknown }; Item?: { sk?: unknown } };
    };
    const racing = {
      ...h.store,
      client: {
        send: async (command: Command) => {
          const isJournal = (command.input.Key?.sk ?? command.input.Item?.sk) === "PUSH";
          if (!isJournal) return send(command);
          if (command.constructor.name === "GetCommand") {
            const answer = await send(command);
            if (++reads === 4) open();
            if (reads <= 4) await allRead;
            return answer;
          }
          try {
            const answer = await send(command);
            writes += 1;
            return answer;
          } catch (error) {
            conflicts += 1;
            throw error;
          }
        },
      } as unknown as typeof h.store.client,
    };
    const pushing = (): FetchDeps => {
      const deps = h.runtime();
      const target = { url: new URL(receiver.url), auth: { kind: "none" as const }, timeoutMs: 5_000 };
      const { config, clock, logger } = deps;
      return { ...deps, push: createPush({ config, store: racing, clock, logger, target, build }) };
    };
    const account = h.simulator.world.accounts[0];
    const minute = async () => {
      const { accounts: items } = await discover(h.runtime(), {
        scheduledTime: new Date(h.clock.now()).toISOString(),
      });
      expect(items.map((item) => item.zones)).toEqual([
        [0, 10],
        [10, 20],
        [20, 30],
        [30, 35],
      ]);
      reads = 0;
      allRead = new Promise<void>((resolve) => {
        open = resolve;
      });
      const summaries = await Promise.all(items.map((item) => fetchOne(pushing(), item)));
      raced.push(conflicts);
      conflicts = 0;
      h.clock.advance(60_000);
      return summaries;
    };
    const modes: Receiver["mode"][] = ["up", "up", "down", "down", "up", "up", "down", "up", "up"];
    const failed: number[] = [];
    const raced: number[] = [];
    for (const mode of modes) {
      receiver.mode = mode;
      const summaries = await minute();
      for (const summary of summaries) expect(summary.errors).toEqual([]);
      failed.push(summaries.reduce((sum, s) => sum + (s.push?.failedRequests ?? 0), 0));
    }
    // Each item's push failed once in each minute the receiver was down, and only then.
    expect(failed).toEqual([0, 0, 4, 4, 0, 0, 4, 0, 0]);
    // Every item stored its journal every minute, after losing races to the others.
    expect(writes).toBe(4 * modes.length);
    expect(raced.filter((n) => n < 3)).toEqual([]);
    console.log(`journal writes lost to another item, per minute: ${raced.join(", ")}`);
    expect(receiver.duplicates).toEqual([]);
    expect(receiver.backwards).toEqual([]);
    expect(receiver.conflicts).toEqual([]);
    const journal = await readJournal(h.store, account?.id ?? "");
    expect(journal.pending).toEqual([]);
    // Every zone's pushed requests counter rises by exactly the settled requests of each minute it counted.
    const wrong: string[] = [];
    let checked = 0;
    for (const shard of await readAccountShards(h.store, account?.id ?? "")) {
      const zone = h.simulator.world.zones.find((z) => z.id === shard.scopeId);
      if (!zone) continue;
      const key = `cloudflare_zone_requests_total{zone="${zone.name}"}`;
      const at = (t: number) => receiver.valueAt(key, t * 1000) ?? 0;
      for (let m = shard.start; m < shard.cursor; m += 60) {
        const truth = h.simulator.groundTruth({
          dataset: "httpRequests1mGroups",
          zoneTag: zone.id,
          field: "sum.requests",
          from: m,
          to: m + 60,
        });
        checked += 1;
        if (at(m + 60) - at(m) !== truth) wrong.push(`${zone.name}@${m}: ${at(m + 60) - at(m)} != ${truth}`);
      }
    }
    expect(wrong).toEqual([]);
    // 35 zones, each counted over the 10 minutes of lookback and the 9 runs.
    expect(checked).toBe(35 * (10 + 8));
    // The self-metrics are pushed by the item that collects the account's own datasets, once a minute.
    expect(journal.totals.acceptedSamples).toBe(receiver.requestSizes.reduce((a, b) => a + b, 0));
  }, 300_000);
});
