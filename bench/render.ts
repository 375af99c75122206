/**
 * `npm run bench:render`: render time and peak memory of the metrics endpoint's
 * exposition for 1k, 10k and 100k series, beside prom-client rendering the same series,
 * and the endpoint's time for 50k series read from a warm store (dynalite).
 * Each case runs in its own process so peak memory (max RSS) is its own.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Family } from "../lambda/exposition/model.ts";
import { renderText } from "../lambda/exposition/text.ts";

const self = fileURLToPath(import.meta.url);

function families(count: number): Family[] {
  const perFamily = Math.ceil(count / 10);
  return Array.from({ length: 10 }, (_, f) => ({
    name: `bench_family_${f}_total`,
    help: `Family ${f}`,
    type: "counter" as const,
    samples: Array.from({ length: perFamily }, (_, i) => ({
      labels: [
        ["zone", `zone${i % 100}.example`],
        ["country", `C${Math.floor(i / 100)}`],
      ] as [string, string][],
      value: i * 7,
    })),
  }));
}

async function runCase(impl: string, count: number): Promise<void> {
  const input = families(count);
  const rounds = count >= 100_000 ? 3 : 10;
  let render: () => Promise<string>;
  if (impl === "ours") {
    render = async () => renderText(input);
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
      for (const sample of family.samples) metric.inc(Object.fromEntries(sample.labels), sample.value);
    }
    render = () => registry.metrics();
  }
  await render(); // warm-up
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await render();
  const ms = (performance.now() - started) / rounds;
  console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

async function handlerCase(): Promise<void> {
  const { staticConfigProvider } = await import("../lambda/config/provider.ts");
  const { createApp } = await import("../lambda/serve/app.ts");
  const { readState } = await import("../lambda/serve/state.ts");
  const { writeShard } = await import("../lambda/store/shards.ts");
  const { writeDocument } = await import("../lambda/store/items.ts");
  const { createStore, createTable, keys } = await import("../lambda/store/table.ts");
  const { startDynalite } = await import("../local/dynalite.ts");
  const { jsonLogger } = await import("../lambda/lib/log.ts");
  const dynamo = await startDynalite();
  const store = createStore("bench", { endpoint: dynamo.endpoint });
  await createTable(store);
  const account = { id: "a".repeat(32), name: "Bench" };
  await writeDocument(store, keys.discovery, keys.accounts, [account], 0);
  const zones = Array.from({ length: 50 }, (_, z) => ({
    id: z.toString(16).padStart(32, "0"),
    name: `zone${z}.example`,
    plan: "business",
    settings: {},
  }));
  await writeDocument(store, keys.account(account.id), keys.zones, zones, 0);
  const countries = ["US", "DE", "GB", "FR", "JP", "BR", "IN", "NL", "CA", "AU"];
  for (const zone of zones) {
    const series: Record<string, { v: number; f: number; b: number }> = {};
    for (let i = 0; i < 1_000; i++) {
      series[
        `cloudflare_zone_requests_country_total{country="${countries[i % 10]}${i}",zone="${zone.name}"}`
      ] = { v: i, f: 0, b: 60 };
    }
    await writeShard(
      store,
      account.id,
      {
        group: "http-requests-1m",
        scopeId: zone.id,
        index: 0,
        cursor: 60,
        start: 0,
        series,
        lostMinutes: 0,
        dropped: {},
        stored: true,
      },
      undefined,
    );
  }
  const app = createApp({
    settings: staticConfigProvider(),
    readState: (config) => readState(store, config),
    clock: Date.now,
    build: { version: "bench", runtime: process.version },
    auth: { required: false, credentials: {} },
    logger: jsonLogger({}, () => {}),
  });
  const request = { method: "GET", path: "/metrics", rawQuery: "", headers: { "accept-encoding": "gzip" } };
  await app(request); // warm container
  const rounds = 5;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await app(request);
  const ms = (performance.now() - started) / rounds;
  await dynamo.close();
  console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

const [mode, impl, count] = process.argv.slice(2);
if (mode === "case" && impl && count) {
  await runCase(impl, Number(count));
} else if (mode === "handler") {
  await handlerCase();
} else {
  const run = (...args: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, [self, ...args], { encoding: "utf8" })
        .trim()
        .split("\n")
        .pop() ?? "{}",
    ) as { ms: number; maxRssMb: number };
  const rows = [
    "| series | ours (ms) | prom-client (ms) | time ratio | ours peak RSS (MB) | prom-client peak RSS (MB) |",
    "|---:|---:|---:|---:|---:|---:|",
  ];
  for (const n of [1_000, 10_000, 100_000]) {
    const ours = run("case", "ours", String(n));
    const theirs = run("case", "prom-client", String(n));
    rows.push(
      `| ${n} | ${ours.ms.toFixed(1)} | ${theirs.ms.toFixed(1)} | ${(ours.ms / theirs.ms).toFixed(2)} | ${ours.maxRssMb.toFixed(0)} | ${theirs.maxRssMb.toFixed(0)} |`,
    );
  }
  const handler = run("handler");
  console.log(rows.join("\n"));
  console.log(
    `\nEndpoint, 50k series (50 zones × 1,000) from a warm store, gzip: ${handler.ms.toFixed(0)} ms per scrape, peak RSS ${handler.maxRssMb.toFixed(0)} MB`,
  );
}
