/**
 * Run by large-state.test.ts in a process with a small heap: scrapes (gzip) a stored state
 * of `zones` × `perZone` counter series, held in columns as the endpoint reads them, through
 * the real endpoint and prints what came out.
 */
import { gunzipSync } from "node:zlib";
import { staticConfigProvider } from "../../lambda/config/provider.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { createApp } from "../../lambda/serve/app.ts";
import type { AccountState, StoredState } from "../../lambda/serve/state.ts";
import type { ShardColumns } from "../../lambda/store/columns.ts";

const [zones = 100, perZone = 2_000] = process.argv.slice(2).map(Number);
const account = { id: "a".repeat(32), name: "Large" };
// As the endpoint reads a store: each shard's series in columns, no object per series.
const columns: ShardColumns[] = Array.from({ length: zones }, (_, z) => ({
  shard: {
    group: "http-requests-1m",
    scopeId: z.toString(16).padStart(32, "0"),
    index: 0,
    cursor: 180,
    start: 60,
    series: {},
    lostMinutes: 0,
    dropped: {},
    stored: true,
  },
  keys: Array.from(
    { length: perZone },
    (_, i) => `cloudflare_zone_requests_country_total{country="C${i}",zone="zone${z}.example"}`,
  ),
  values: Array.from({ length: perZone }, (_, i) => i * 7 + z),
  created: Array.from({ length: perZone }, () => 60),
}));
const state: StoredState = {
  accounts: [
    {
      account,
      zones: [],
      shards: columns.map((c) => c.shard),
      columns,
      status: {
        errors: new Map(),
        graphqlRequests: 0,
        restRequests: 0,
        rateLimitEvents: 0,
        lastRun: undefined,
      },
    } satisfies AccountState,
  ],
};
const app = createApp({
  settings: staticConfigProvider(),
  readState: async () => state,
  clock: () => 240_000,
  build: { version: "test", runtime: "node" },
  auth: { required: false, credentials: {} },
  logger: memoryLogger(),
});
const response = await app({
  method: "GET",
  path: "/metrics",
  rawQuery: "",
  headers: { "accept-encoding": "gzip" },
});
// Counted in the decompressed bytes (outside the V8 heap): the text is not held as a string.
const body = gunzipSync(response.body as Uint8Array);
const sample = Buffer.from("\ncloudflare_zone_requests_country_total{");
let series = 0;
let first: string | undefined;
for (let at = body.indexOf(sample); at >= 0; at = body.indexOf(sample, at + 1)) {
  series++;
  first ??= body.subarray(at + 1, body.indexOf("\n", at + 1)).toString("utf8");
}
console.log(JSON.stringify({ status: response.status, series, first }));
