/**
 * Run by large-state.test.ts in a process with a small heap: scrapes (gzip) a stored state
 * of `zones` × `perZone` counter series through the real endpoint and prints what came out.
 */
import { gunzipSync } from "node:zlib";
import { staticConfigProvider } from "../../lambda/config/provider.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";
import { createApp } from "../../lambda/serve/app.ts";
import type { AccountState, StoredState } from "../../lambda/serve/state.ts";
import type { SeriesState, Shard } from "../../lambda/store/shards.ts";

const [zones = 100, perZone = 2_000] = process.argv.slice(2).map(Number);
const account = { id: "a".repeat(32), name: "Large" };
const shards: Shard[] = Array.from({ length: zones }, (_, z) => {
  const series: Record<string, SeriesState> = {};
  for (let i = 0; i < perZone; i++)
    series[`cloudflare_zone_requests_country_total{country="C${i}",zone="zone${z}.example"}`] = {
      v: i * 7 + z,
      f: 60,
      b: 120,
      l: 7,
    };
  return {
    group: "http-requests-1m",
    scopeId: z.toString(16).padStart(32, "0"),
    index: 0,
    cursor: 180,
    start: 60,
    series,
    lostMinutes: 0,
    dropped: {},
    stored: true,
  };
});
const state: StoredState = {
  accounts: [
    {
      account,
      zones: [],
      shards,
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
const text = gunzipSync(response.body as Uint8Array).toString("utf8");
const lines = text.split("\n");
console.log(
  JSON.stringify({
    status: response.status,
    series: lines.filter((line) => line.startsWith("cloudflare_zone_requests_country_total{")).length,
    first: lines.find((line) => line.startsWith("cloudflare_zone_requests_country_total{")),
  }),
);
