/**
 * `node bench/serve-table.ts PATH [ZONES…]`: writes the tables the bench's fetcher part
 * writes (`bench-10`, `bench-100`: bench/collect.ts `measureCollect`) into a dynalite
 * persisted at PATH, so that the serve part can be measured alone against them, before and
 * after a change, with `node bench/serve-table.ts PATH --serve` serving them (prints the endpoint).
 */
import { startDynalite } from "../local/dynalite.ts";
import { measureCollect } from "./collect.ts";

const [path, ...rest] = process.argv.slice(2);
if (!path) throw new Error("usage: serve-table.ts PATH [ZONES…] | PATH --serve");
const dynamo = await startDynalite({ path });
if (rest[0] === "--serve") {
  console.log(JSON.stringify({ endpoint: dynamo.endpoint }));
} else {
  for (const zones of rest.length > 0 ? rest.map(Number) : [10, 100])
    console.error(
      JSON.stringify(await measureCollect(zones, dynamo.endpoint, { steadyCycles: 2, compare: false })),
    );
  await dynamo.close();
}
