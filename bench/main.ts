/**
 * `npm run bench` (`-- --json` adds one JSON object as the last line): the fetcher's
 * DynamoDB cost for 10 and 100 Business zones, the endpoint's scrape of 100 zones from a
 * store in another process, rendering beside prom-client, the Lambda bundles, and the
 * monthly AWS cost these come to, then the scale part (bench/scale.ts; `--skip-scale` leaves
 * it out; `--cost-only` leaves out rendering and the bundles too, for the cost figures alone).
 * docs/benchmarks.md explains each figure.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { coldEvery } from "../lambda/serve/scrape-cache.ts";
import { foldEvery, ringSize } from "../lambda/store/slices.ts";
import { serveNodeOptions } from "../lib/serving.ts";
import { builtinsImport, measureBundles, nodeBaselineMs } from "./bundles.ts";
import { itemBytes, measureCollect, readUnits } from "./collect.ts";
import { fixedMonthlyUsd, halfWarm, lambdaMs, monthlyUsd, type WarmShares, warmShares } from "./cost.ts";
import { functionEnv } from "./function-env.ts";
import { renderScript } from "./render.ts";
import { minimalContext, stackFacts } from "./stack-facts.ts";

const json = process.argv.includes("--json");
/** Only what the monthly cost is computed from: no rendering beside prom-client, no bundles. */
const costOnly = process.argv.includes("--cost-only");
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

async function startStoreProcess(): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [new URL("./dynalite-process.ts", import.meta.url).pathname], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout ?? child, "data")) as [Buffer];
  return { endpoint: (JSON.parse(line.toString()) as { endpoint: string }).endpoint, child };
}

// The serve case runs with the heap limits the stack gives the serve function, and each in a
// function's environment (bench/function-env.ts).
const runJson = <T>(...args: string[]): T =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [...(args[0] === "serve" ? serveNodeOptions.split(" ") : []), renderScript, ...args],
      { encoding: "utf8", env: functionEnv() },
    )
      .trim()
      .split("\n")
      .pop() ?? "{}",
  ) as T;

/**
 * Reads as in a steady month. A slice's ring of deltas fills after `ringSize` writes and
 * stays full (stale slots are only overwritten), but the bench runs a few minutes: its
 * rings are mostly empty and every full record is write 1. So reads are priced from the
 * sizes measured, as a cold reader reads a steady slice (lambda/store/slice-reads.ts): its
 * full record (a zone's in one Query, the account's in the scrape's two), then one Query
 * of the deltas after it, k of them and the stale slot that ends them, where k, the writes
 * since the last fold, is each of 0 … foldEvery − 1 in turn. The first slice of a read has
 * no hint of k yet and reads nine slots a Query.
 */
function steadyReads(account: readonly Record<string, unknown>[]) {
  const slice = /^SERIES#3#(F|D)#([^#]+)#\d+/;
  let otherBytes = 0;
  let deltaBytes = 0;
  let deltaCount = 0;
  const fulls: { zone: string; bytes: number }[] = [];
  for (const item of account) {
    const match = slice.exec(String(item.sk));
    const bytes = itemBytes(item);
    if (!match) otherBytes += bytes;
    else if (match[1] === "F") fulls.push({ zone: match[2] ?? "", bytes });
    else {
      deltaBytes += bytes;
      deltaCount += 1;
    }
  }
  const meanDeltaBytes = deltaBytes / Math.max(1, deltaCount);
  const units = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096)) * 0.5;
  /**
   * A chain of k deltas read from slot 0 in Queries of `limit` slots: each reads `limit` slots
   * (fewer at the ring's last one); the next is sent while every slot read held the chain.
   */
  const chainUnits = (k: number, limit: number) => {
    let sum = 0;
    for (let from = 0; from <= k && from < ringSize; from += limit)
      sum += units(Math.min(limit, ringSize - from) * meanDeltaBytes);
    return sum;
  };
  const mean = (f: (k: number) => number) =>
    Array.from({ length: foldEvery }, (_, k) => f(k)).reduce((a, b) => a + b, 0) / foldEvery;
  // With the hint, k and the slot after them; without, nine slots a Query (slice-reads.ts).
  const hinted = mean((k) => chainUnits(k, k + 1));
  const unhinted = mean((k) => chainUnits(k, 9));
  const zoneBytes = new Map<string, number>();
  for (const { zone, bytes } of fulls) zoneBytes.set(zone, (zoneBytes.get(zone) ?? 0) + bytes);
  const chains = fulls.length > 0 ? unhinted + (fulls.length - 1) * hinted : 0;
  const fullBytes = fulls.reduce((sum, full) => sum + full.bytes, 0);
  return {
    meanDeltaBytes,
    // A cold fetcher: per zone, one Query of its full records; a chain per slice.
    zoneReadUnits: [...zoneBytes.values()].reduce((sum, bytes) => sum + units(bytes), 0) + chains,
    // The scrape: every item but the deltas (two Queries), a chain per slice.
    scrapeReadUnits: units(otherBytes + fullBytes) + 0.5 + chains,
    // A full ring of deltas of the mean size is held beside each full record.
    missingBytes: fulls.length * ringSize * meanDeltaBytes - deltaBytes,
  };
}

const progress = (what: string, value: unknown) => console.error(`[bench] ${what}: ${JSON.stringify(value)}`);
const store = await startStoreProcess();
try {
  const collect10 = await measureCollect(10, store.endpoint);
  progress("collect 10", collect10);
  // 100 zones: two steady minutes, and the changed share is measured at 10 zones only
  // (comparing 200,000 series before and after each minute costs the bench, not the fetcher).
  const collect100 = await measureCollect(100, store.endpoint, { steadyCycles: 2, compare: false });
  progress("collect 100", collect100);
  // What a scrape reads: every item of the account (one Query) and the account list.
  const { createStore } = await import("../lambda/store/table.ts");
  const scrapeState = async (tableName: string) => {
    const table = createStore(tableName, { endpoint: store.endpoint });
    const { ScanCommand } = await import("@aws-sdk/lib-dynamodb");
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await table.client.send(
        new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const account = items.filter((item) => String(item.pk).startsWith("ACCOUNT#"));
    // A slice is folded into its full record every `foldEvery` writes: its write units,
    // spread over those minutes (the steady minutes measured may fall between folds).
    const full = account.filter((item) => String(item.sk).startsWith("SERIES#3#F#"));
    const ring = steadyReads(account);
    return {
      foldUnitsPerMinute: full.reduce((sum, item) => sum + Math.ceil(itemBytes(item) / 1024), 0) / foldEvery,
      fullRecords: full.length,
      // A cold scrape of the account in a steady minute, and the account list.
      readUnits: ring.scrapeReadUnits + 0.5,
      measuredReadUnits: readUnits(account, false, true) + 0.5,
      coldSliceReadUnits: ring.zoneReadUnits,
      meanDeltaBytes: ring.meanDeltaBytes,
      storedBytes: items.reduce((sum, item) => sum + itemBytes(item), 0) + ring.missingBytes,
    };
  };
  const state10 = await scrapeState(collect10.tableName);
  const state100 = await scrapeState(collect100.tableName);
  interface Scrape {
    ms: number;
    cpuMs: number;
    maxRssMb: number;
    series: number;
    gzipBytes: number;
    textBytes: number;
    readUnits: number;
  }
  // Cold: a container that holds nothing reads every item. Warm: one that holds the state
  // one write behind (lambda/serve/scrape-cache.ts) reads and applies only each slice's next delta.
  const scrape = runJson<Scrape>("serve", store.endpoint, collect100.tableName);
  const scrapeWarm = runJson<Scrape>("serve", store.endpoint, collect100.tableName, "warm");
  progress("scrape 100", { cold: scrape, warm: scrapeWarm });
  const scrape10 = runJson<Scrape>("serve", store.endpoint, collect10.tableName);
  const scrape10Warm = runJson<Scrape>("serve", store.endpoint, collect10.tableName, "warm");
  progress("scrape 10", { cold: scrape10, warm: scrape10Warm });
  const render: Record<
    number,
    { ours: { ms: number; maxRssMb: number }; theirs: { ms: number; maxRssMb: number } }
  > = {};
  for (const n of costOnly ? [] : [1_000, 10_000, 100_000])
    render[n] = {
      ours: runJson("case", "ours", String(n)),
      theirs: runJson("case", "prom-client", String(n)),
    };
  progress("render", render);
  const bundles: Awaited<ReturnType<typeof measureBundles>> = costOnly ? {} : await measureBundles();
  progress("bundles", bundles);
  const facts = stackFacts();
  const shares = warmShares(coldEvery);
  /** A warm minute's reads, plus a cold minute's slice reads (ring full) in the other share. */
  const fetcherReadUnits = (c: typeof collect10, s: typeof state10, share: WarmShares) =>
    (c.steady.readUnits ?? 0) + (1 - share.fetcher) * s.coldSliceReadUnits;
  /**
   * A scrape in the warm share of minutes (bench/cost.ts `warmShares`) finds its container
   * holding the state and reads each slice's next delta; the others read every item (rings
   * full).
   */
  const scrapeReadUnits = (s: typeof state10, warm: Scrape, share: WarmShares) =>
    share.scrape * warm.readUnits + (1 - share.scrape) * s.readUnits;
  const scrapeCpuMs = (cold: Scrape, warm: Scrape, share: WarmShares) =>
    share.scrape * warm.cpuMs + (1 - share.scrape) * cold.cpuMs;
  const cost = (c: typeof collect10, s: typeof state10, cold: Scrape, warm: Scrape, share = shares) => {
    // A minute whose container does not hold the slices reads and decodes every one.
    const cpuMs = share.fetcher * (c.steady.cpuMs ?? 0) + (1 - share.fetcher) * (c.cold.cpuMs ?? 0);
    // Its waits on Cloudflare: one request latency per round of requests in flight together.
    const fetchMs = lambdaMs(cpuMs, facts.memory.fetchAccount, c.steady.requestRounds ?? 0);
    // Discovery reads its cached account list most minutes: its CPU time, one request.
    const discoverMs = lambdaMs(Math.min(c.steady.discoverMs ?? 0, 100), facts.memory.discover, 1);
    return monthlyUsd({
      writeUnits: (c.steady.units ?? 0) + s.foldUnitsPerMinute,
      readUnits: fetcherReadUnits(c, s, share),
      scrapeReadUnits: scrapeReadUnits(s, warm, share),
      lambda: [
        { ms: discoverMs, memoryMb: facts.memory.discover },
        { ms: fetchMs, memoryMb: facts.memory.fetchAccount },
        { ms: lambdaMs(scrapeCpuMs(cold, warm, share), facts.memory.serve), memoryMb: facts.memory.serve },
      ],
      executionMs: discoverMs + fetchMs,
      storedBytes: s.storedBytes,
    });
  };
  const cost10 = cost(collect10, state10, scrape10, scrape10Warm);
  const cost100 = cost(collect100, state100, scrape, scrapeWarm);
  // The bound the bench priced before: every other minute cold.
  const cost10HalfWarm = cost(collect10, state10, scrape10, scrape10Warm, halfWarm);
  const cost100HalfWarm = cost(collect100, state100, scrape, scrapeWarm, halfWarm);
  // The defaults, and every costly option off (one account here: one data-age series).
  const fixed = fixedMonthlyUsd(facts.billed);
  const minimal = stackFacts(minimalContext).billed;
  const fixedMinimal = fixedMonthlyUsd(minimal);

  const rows = [
    "| zones | cycle | GraphQL requests | REST requests | DynamoDB items written | write units | read units | series stored | series changed | bytes of state written | fetcher time (ms) |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const c of [collect10, collect100])
    for (const [label, v] of [
      ["first (discovery + 60 min catch-up)", c.first],
      ["steady (median), warm container", c.steady],
      ["steady, cold container (ring not yet full)", c.cold],
    ] as const)
      rows.push(
        `| ${c.zoneCount} | ${label} | ${v.graphqlRequests} | ${v.restRequests} | ${v.items} | ${round(v.units ?? 0, 0)} | ${round(v.readUnits ?? 0, 1)} | ${v.series} | ${v.changed} | ${v.seriesBytes} | ${round(v.ms ?? 0, 0)} |`,
      );
  console.log(rows.join("\n"));
  console.log(
    "\n| series | ours (ms) | prom-client (ms) | time ratio | ours peak RSS (MB) | prom-client peak RSS (MB) |\n|---:|---:|---:|---:|---:|---:|",
  );
  for (const [n, { ours, theirs }] of Object.entries(render))
    console.log(
      `| ${n} | ${round(ours.ms, 1)} | ${round(theirs.ms, 1)} | ${round(ours.ms / theirs.ms)} | ${round(ours.maxRssMb, 0)} | ${round(theirs.maxRssMb, 0)} |`,
    );
  console.log(
    `\nScrape of ${scrape.series} series (100 zones), store in another process, gzip: cold ${round(scrape.ms, 0)} ms (${round(scrape.cpuMs, 0)} ms CPU), warm ${round(scrapeWarm.ms, 0)} ms (${round(scrapeWarm.cpuMs, 0)} ms CPU), serve process peak RSS ${round(scrape.maxRssMb, 0)} / ${round(scrapeWarm.maxRssMb, 0)} MB, ${scrape.gzipBytes} bytes gzip'd (${scrape.textBytes} text)`,
  );
  console.log(
    `\n| bundle | bytes at start | bytes in all | import (ms) | import CPU (ms) |\n|---|---:|---:|---:|---:|`,
  );
  for (const [name, b] of Object.entries(bundles))
    console.log(
      `| ${name} | ${b.bytes} | ${b.totalBytes} | ${round(b.importMs, 0)} | ${round(b.importCpuMs, 0)} |`,
    );
  const builtins = costOnly ? { ms: 0, cpuMs: 0 } : builtinsImport();
  if (!costOnly)
    console.log(
      `node -e '' (a whole process): ${round(nodeBaselineMs(), 0)} ms; importing the Node modules the bundles use: ${round(builtins.ms, 0)} ms, ${round(builtins.cpuMs, 0)} ms CPU`,
    );
  console.log(
    `\nMonthly (10 zones): ${JSON.stringify(Object.fromEntries(Object.entries(cost10.parts).map(([k, v]) => [k, round(v, 3)])))}`,
  );
  console.log(
    `Monthly (100 zones): ${JSON.stringify(Object.fromEntries(Object.entries(cost100.parts).map(([k, v]) => [k, round(v, 3)])))}`,
  );
  console.log(
    `Warm shares: fetcher ${round(shares.fetcher, 3)}, scrape ${round(shares.scrape, 3)}; with every other minute cold: $${round(cost10HalfWarm.total)} (10 zones), $${round(cost100HalfWarm.total)} (100 zones)`,
  );
  const dollars = (parts: Record<string, number>) =>
    JSON.stringify(Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, round(v, 2)])));
  const minimalLabel = Object.entries(minimalContext)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
  console.log(
    `Fixed (defaults): ${JSON.stringify(facts.billed)} = ${dollars(fixed.parts)}, $${round(fixed.total)}`,
  );
  console.log(
    `Fixed (${minimalLabel}): ${JSON.stringify(minimal)} = ${dollars(fixedMinimal.parts)}, $${round(fixedMinimal.total)}`,
  );

  const s10 = collect10.steady;
  const result = {
    writeUnitsPerMinute10: round((s10.units ?? 0) + state10.foldUnitsPerMinute, 1),
    writeUnitsPerMinute100: round((collect100.steady.units ?? 0) + state100.foldUnitsPerMinute, 1),
    foldUnitsPerMinute10: round(state10.foldUnitsPerMinute, 1),
    foldUnitsPerMinute100: round(state100.foldUnitsPerMinute, 1),
    itemsPerMinute10: s10.items,
    itemsPerMinute100: collect100.steady.items,
    readUnitsPerMinute10: round(fetcherReadUnits(collect10, state10, shares), 1),
    readUnitsPerMinute100: round(fetcherReadUnits(collect100, state100, shares), 1),
    readUnitsWarmCold10: [round(s10.readUnits ?? 0, 1), round(state10.coldSliceReadUnits, 1)],
    readUnitsWarmCold100: [round(collect100.steady.readUnits ?? 0, 1), round(state100.coldSliceReadUnits, 1)],
    scrapeReadUnits10: round(state10.readUnits, 1),
    scrapeReadUnits100: round(state100.readUnits, 1),
    scrapeReadUnitsWarm10: round(scrape10Warm.readUnits, 1),
    scrapeReadUnitsWarm100: round(scrapeWarm.readUnits, 1),
    scrapeReadUnitsPriced10: round(scrapeReadUnits(state10, scrape10Warm, shares), 1),
    scrapeReadUnitsPriced100: round(scrapeReadUnits(state100, scrapeWarm, shares), 1),
    meanDeltaBytes100: round(state100.meanDeltaBytes, 0),
    changedSeriesShare10: round((s10.changed ?? 0) / Math.max(1, s10.series ?? 1), 4),
    changedSeries10: s10.changed,
    series10: s10.series,
    bytesPerChangedSeries10: round((s10.seriesBytes ?? 0) / Math.max(1, s10.changed ?? 1), 2),
    scrape200kMs: round(scrape.ms, 0),
    scrape200kCpuMs: round(scrape.cpuMs, 0),
    scrape200kPeakRssMb: round(scrape.maxRssMb, 0),
    scrape200kSeries: scrape.series,
    scrape200kWarmMs: round(scrapeWarm.ms, 0),
    scrape200kWarmCpuMs: round(scrapeWarm.cpuMs, 0),
    scrape200kWarmPeakRssMb: round(scrapeWarm.maxRssMb, 0),
    render100kRatioVsPromClient: round((render[100_000]?.ours.ms ?? 0) / (render[100_000]?.theirs.ms ?? 1)),
    render100kPeakRssMb: {
      ours: round(render[100_000]?.ours.maxRssMb ?? 0, 0),
      promClient: round(render[100_000]?.theirs.maxRssMb ?? 0, 0),
    },
    bundleBytes: Object.fromEntries(Object.entries(bundles).map(([k, v]) => [k, v.bytes])),
    bundleTotalBytes: Object.fromEntries(Object.entries(bundles).map(([k, v]) => [k, v.totalBytes])),
    bundleImportMs: Object.fromEntries(Object.entries(bundles).map(([k, v]) => [k, round(v.importMs, 0)])),
    bundleImportCpuMs: Object.fromEntries(
      Object.entries(bundles).map(([k, v]) => [k, round(v.importCpuMs, 0)]),
    ),
    requestRounds10: s10.requestRounds,
    requestRounds100: collect100.steady.requestRounds,
    fetcherCpuMs10: round(s10.cpuMs ?? 0, 0),
    fetcherCpuMs100: round(collect100.steady.cpuMs ?? 0, 0),
    fetcherColdCpuMs10: round(collect10.cold.cpuMs ?? 0, 0),
    fetcherColdCpuMs100: round(collect100.cold.cpuMs ?? 0, 0),
    warmShares: { fetcher: round(shares.fetcher, 3), scrape: round(shares.scrape, 3) },
    monthlyUsd10: round(cost10.total),
    monthlyUsd100: round(cost100.total),
    monthlyUsd10HalfWarm: round(cost10HalfWarm.total),
    monthlyUsd100HalfWarm: round(cost100HalfWarm.total),
    fixedMonthlyUsd: round(fixed.total),
    fixedMonthlyUsdMinimal: round(fixedMinimal.total),
  };
  // The scale part (bench/scale.ts: a thousand zones through the state machine) runs last;
  // `--skip-scale` leaves it out for a quick look at the figures above.
  const scale =
    process.argv.includes("--skip-scale") || costOnly
      ? {}
      : await (await import("./scale.ts")).scaleBenchmarks();
  if (Object.keys(scale).length > 0) progress("scale", scale);
  if (json) console.log(JSON.stringify({ ...result, ...scale }));
} finally {
  store.child.stdin?.end();
}
