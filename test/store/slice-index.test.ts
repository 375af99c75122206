import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { indexSlices, maxIndexBytes, sliceIdsFromItem } from "../../lambda/store/slice-index.ts";
import { createStore, createTable, keys, type Store } from "../../lambda/store/table.ts";
import { startDynalite } from "../../local/dynalite.ts";

describe("the slice index", () => {
  let dynamo: Awaited<ReturnType<typeof startDynalite>>;
  let store: Store;
  beforeAll(async () => {
    dynamo = await startDynalite();
    store = createStore("slice-index", { endpoint: dynamo.endpoint });
    await createTable(store);
  });
  afterAll(() => dynamo.close());

  const item = async () =>
    (
      await store.client.send(
        new GetCommand({ TableName: store.tableName, Key: { pk: keys.account("a"), sk: keys.sliceIndex } }),
      )
    ).Item;

  it("lists slices up to its size, then is marked full, drops its ids and stays small", async () => {
    const most = Math.floor(maxIndexBytes / 40);
    const ids = Array.from({ length: most - 1 }, (_, i) => `zone-${i}#0`);
    for (let i = 0; i < ids.length; i += 1000) await indexSlices(store, "a", ids.slice(i, i + 1000));
    expect(sliceIdsFromItem(await item())?.size).toBe(most - 1);
    await indexSlices(store, "a", ["new#0"]);
    expect(sliceIdsFromItem(await item())?.size).toBe(most);
    await indexSlices(store, "a", ["newer#0"]);
    expect(await item()).toEqual({ pk: keys.account("a"), sk: keys.sliceIndex, full: true });
    expect(sliceIdsFromItem(await item())).toBeUndefined();
    // A later writer's add is refused on the small item; the index stays full and empty.
    await indexSlices(store, "a", ["newest#0"]);
    expect(await item()).toEqual({ pk: keys.account("a"), sk: keys.sliceIndex, full: true });
  });
});
