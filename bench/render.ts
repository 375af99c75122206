/**
 * Rendering and scraping, each case in its own process so its peak memory (max RSS,
 * Node itself included) is its own:
 * - `case ours|prom-client N`: N counter series (10 families, two labels) printed in the
 *   Prometheus text format, ours from stored series keys as the endpoint prints them,
 *   prom-client 15 from its registry;
 * - `serve ENDPOINT TABLE [warm]`: the endpoint's scrape (gzip) of what a store in another
 *   process holds: read, decode, render, compress. Cold (a new container each scrape:
 *   every item of the account), or warm: one container scraped after each minute's writes
 *   (`advance`, in a process of its own), as one scraped every minute is. With the read
 *   units of one scrape.
 * - `advance ENDPOINT TABLE ROUND`: one write to every slice through the writer (a sixth of
 *   its counters move, one new series per shard), what a minute of the fetcher writes.
 * - `gzip ENDPOINT TABLE`: the exposition's gzip at levels 1 to 6, size and time.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Family } from "../lambda/exposition/model.ts";
import { renderText } from "../lambda/exposition/text.ts";

export const renderScript = fileURLToPath(import.meta.url);

function seriesOf(count: number) {
  const perFamily = Math.ceil(count / 10);
  return Array.from({ length: 10 }, (_, f) => ({
    name: `bench_family_${f}_total`,
    help: `Family ${f}`,
    series: Array.from({ length: perFamily }, (_, i) => ({
      zone: `zone${i % 100}.example`,
      country: `C${Math.floor(i / 100)}`,
      value: i * 7,
    })),
  }));
}

async function runCase(impl: string, count: number): Promise<void> {
  const input = seriesOf(count);
  const rounds = count >= 100_000 ? 3 : 10;
  let render: () => Promise<string>;
  if (impl === "ours") {
    // As the endpoint holds them: stored keys with their state.
    const families: Family[] = input.map((family) => ({
      name: family.name,
      help: family.help,
      type: "counter",
      samples: [],
      stored: {
        keys: family.series.map((s) => `${family.name}{country="${s.country}",zone="${s.zone}"}`),
        values: family.series.map((s) => s.value),
        created: family.series.map(() => 0),
      },
    }));
    render = async () => renderText(families);
  } else {
    const { Registry, Counter } = await import("prom-client");
    const registry = new Registry();
    for (const family of input) {
      const metric = new Counter({
        name: family.name.replace(/_total$/, ""),
        help: family.help,
        labelNames: ["zone", "country"],
        registers: [registry],
      });
      for (const s of family.series) metric.inc({ zone: s.zone, country: s.country }, s.value);
    }
    render = () => registry.metrics();
  }
  await render(); // warm-up
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await render();
  const ms = (performance.now() - started) / rounds;
  console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

async function serveCase(endpoint: string, tableName: string, warm: boolean): Promise<void> {
  const { staticConfigProvider } = await import("../lambda/config/provider.ts");
  const { createApp } = await import("../lambda/serve/app.ts");
  const { readState } = await import("../lambda/serve/state.ts");
  const { readStateWarm } = await import("../lambda/serve/warm-state.ts");
  const { createStore } = await import("../lambda/store/table.ts");
  const { jsonLogger } = await import("../lambda/lib/log.ts");
  const { readCountingStore } = await import("./units.ts");
  const base = createStore(tableName, { endpoint });
  const counted = { readUnits: 0 };
  const store = readCountingStore(base, counted);
  const { createScrapeCache } = await import("../lambda/serve/scrape-cache.ts");
  const cache = warm ? createScrapeCache() : undefined;
  // Cold: a new container, holding neither the state nor its families' last sort.
  const newApp = () =>
    createApp({
      settings: staticConfigProvider(),
      readState: (config) => (cache ? readStateWarm(store, config, cache) : readState(store, config)),
      clock: Date.now,
      build: { version: "bench", runtime: process.version },
      auth: { required: false, credentials: {} },
      logger: jsonLogger({}, () => {}),
    });
  let app = newApp();
  const request = { method: "GET", path: "/metrics", rawQuery: "", headers: { "accept-encoding": "gzip" } };
  const first = await app(request); // a warm process (its code loaded and run once)
  // Counted as it is decompressed: holding the text (or its lines) would add the
  // measurement's memory to the serve process's peak.
  const { series, textBytes } = await countSamples(first.body as Uint8Array);
  const times: number[] = [];
  const cpu: number[] = [];
  const units: number[] = [];
  for (let i = 0; i < 5; i++) {
    if (warm) advance(endpoint, tableName, i);
    else app = newApp();
    counted.readUnits = 0;
    const started = performance.now();
    const before = process.cpuUsage();
    await app(request);
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
    times.push(performance.now() - started);
    units.push(counted.readUnits);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[2] ?? 0;
  console.log(
    JSON.stringify({
      ms: median(times),
      cpuMs: median(cpu),
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      series,
      gzipBytes: (first.body as Uint8Array).byteLength,
      textBytes,
      // As read (the bench's rings hold a few deltas); bench/main.ts prices a cold scrape at full rings.
      readUnits: median(units),
    }),
  );
}

/** A minute's writes to the store, by a process of its own (its memory and time are not the endpoint's). */
function advance(endpoint: string, tableName: string, round: number): void {
  execFileSync(process.execPath, [renderScript, "advance", endpoint, tableName, String(round)], {
    stdio: "inherit",
  });
}

/** One write to every slice of every account, through the writer: moved counters and a new series per shard. */
async function advanceCase(endpoint: string, tableName: string, round: number): Promise<void> {
  const z = await import("../lambda/lib/zod.ts");
  const { accountInfoSchema } = await import("../lambda/cloudflare/schemas.ts");
  const { readDocument } = await import("../lambda/store/items.ts");
  const { queryAccount } = await import("../lambda/store/shards.ts");
  const { slicesFromItems, writeSlice } = await import("../lambda/store/slices.ts");
  const { createStore, keys } = await import("../lambda/store/table.ts");
  const store = createStore(tableName, { endpoint });
  const listed = await readDocument(store, keys.discovery, keys.accounts, z.array(accountInfoSchema()));
  for (const account of listed?.value ?? [])
    for (const slice of slicesFromItems(await queryAccount(store, account.id, keys.seriesPrefix, true))) {
      const next = [...slice.shards.values()].map((shard) => {
        const series = { ...shard.series };
        Object.entries(series).forEach(([key, state], i) => {
          if (state.t !== "g" && (i + round) % 6 === 0) series[key] = { ...state, v: state.v + 1, l: 1 };
        });
        const [first] = Object.keys(series);
        if (first) {
          const brace = first.indexOf("{");
          const added =
            brace < 0 ? `${first}{zz_bench="${round}"}` : `${first.slice(0, -1)},zz_bench="${round}"}`;
          series[added] = { v: 1, f: shard.cursor - 60, b: shard.cursor - 60, l: 1 };
        }
        return { ...shard, series };
      });
      await writeSlice(store, account.id, slice, next);
    }
}

/** The exposition's text gzip'd as the endpoint does (a member per 256 KB) at each level. */
async function gzipCase(endpoint: string, tableName: string): Promise<void> {
  const { staticConfigProvider } = await import("../lambda/config/provider.ts");
  const { buildFamilies, knownFamilies } = await import("../lambda/serve/families.ts");
  const { readState } = await import("../lambda/serve/state.ts");
  const { createStore } = await import("../lambda/store/table.ts");
  const { textChunks } = await import("../lambda/exposition/text.ts");
  const { gzipSync } = await import("node:zlib");
  const { config } = await staticConfigProvider().current();
  const state = await readState(createStore(tableName, { endpoint }), config);
  const families = buildFamilies(
    state,
    config,
    { version: "bench", runtime: process.version },
    knownFamilies,
  );
  const members: string[] = [];
  let pending = "";
  for (const chunk of textChunks(families)) {
    pending += chunk;
    if (pending.length < 256 * 1024) continue;
    members.push(pending);
    pending = "";
  }
  if (pending) members.push(pending);
  // Encoded once beforehand: the first compression would otherwise pay for flattening the text.
  const encoded = members.map((member) => Buffer.from(member));
  const levels: Record<number, { bytes: number; cpuMs: number }> = {};
  for (const round of [0, 1])
    for (let level = 1; level <= 6; level++) {
      const before = process.cpuUsage();
      let bytes = 0;
      for (const member of encoded) bytes += gzipSync(member, { level }).byteLength;
      const used = process.cpuUsage(before);
      if (round === 1) levels[level] = { bytes, cpuMs: Math.round((used.user + used.system) / 1000) };
    }
  console.log(JSON.stringify({ textBytes: members.reduce((sum, m) => sum + m.length, 0), levels }));
}

if (process.argv[1] === renderScript) {
  const [mode, a, b] = process.argv.slice(2);
  if (mode === "case" && a && b) await runCase(a, Number(b));
  else if (mode === "serve" && a && b) await serveCase(a, b, process.argv[5] === "warm");
  else if (mode === "gzip" && a && b) await gzipCase(a, b);
  else if (mode === "advance" && a && b) await advanceCase(a, b, Number(process.argv[5]));
  else
    throw new Error(
      "usage: render.ts case ours|prom-client N | serve ENDPOINT TABLE [warm] | gzip ENDPOINT TABLE",
    );
}

/** Sample lines (neither comments nor empty) and bytes of a gzip'd exposition, read as a stream. */
async function countSamples(body: Uint8Array): Promise<{ series: number; textBytes: number }> {
  const { createGunzip } = await import("node:zlib");
  const { Readable } = await import("node:stream");
  let series = 0;
  let textBytes = 0;
  let lineStart = true;
  for await (const chunk of Readable.from([body]).pipe(createGunzip()) as AsyncIterable<Buffer>) {
    textBytes += chunk.byteLength;
    for (const byte of chunk) {
      if (lineStart && byte !== 0x23 && byte !== 0x0a) series++;
      lineStart = byte === 0x0a;
    }
  }
  return { series, textBytes };
}
