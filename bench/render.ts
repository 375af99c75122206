/**
 * Rendering and scraping, each case in its own process so its peak memory (max RSS,
 * Node itself included) is its own:
 * - `case ours|prom-client N`: N counter series (10 families, two labels) printed in the
 *   Prometheus text format, ours from stored series keys as the endpoint prints them,
 *   prom-client 15 from its registry;
 * - `serve ENDPOINT TABLE`: the endpoint's scrape (gzip) of what a store in another
 *   process holds: read, decode, render, compress.
 */
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

async function serveCase(endpoint: string, tableName: string): Promise<void> {
  const { staticConfigProvider } = await import("../lambda/config/provider.ts");
  const { createApp } = await import("../lambda/serve/app.ts");
  const { readState } = await import("../lambda/serve/state.ts");
  const { createStore } = await import("../lambda/store/table.ts");
  const { jsonLogger } = await import("../lambda/lib/log.ts");
  const store = createStore(tableName, { endpoint });
  const app = createApp({
    settings: staticConfigProvider(),
    readState: (config) => readState(store, config),
    clock: Date.now,
    build: { version: "bench", runtime: process.version },
    auth: { required: false, credentials: {} },
    logger: jsonLogger({}, () => {}),
  });
  const request = { method: "GET", path: "/metrics", rawQuery: "", headers: { "accept-encoding": "gzip" } };
  const first = await app(request); // a warm container
  // Counted as it is decompressed: holding the text (or its lines) would add the
  // measurement's memory to the serve process's peak.
  const { series, textBytes } = await countSamples(first.body as Uint8Array);
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const before = process.cpuUsage();
    await app(request);
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
    times.push(performance.now() - started);
  }
  const ms = [...times].sort((a, b) => a - b)[2] ?? 0;
  const cpuMs = [...cpu].sort((a, b) => a - b)[2] ?? 0;
  console.log(
    JSON.stringify({
      ms,
      cpuMs,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      series,
      gzipBytes: (first.body as Uint8Array).byteLength,
      textBytes,
    }),
  );
}

if (process.argv[1] === renderScript) {
  const [mode, a, b] = process.argv.slice(2);
  if (mode === "case" && a && b) await runCase(a, Number(b));
  else if (mode === "serve" && a && b) await serveCase(a, b);
  else throw new Error("usage: render.ts case ours|prom-client N | serve ENDPOINT TABLE");
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
