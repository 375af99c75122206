import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../local/simulator/server.ts";
import { adaptiveHeadlineCounters, expectExact } from "../collect/exact.ts";
import { type LocalExporter, parseSamples, startLocalExporter } from "./child.ts";

/**
 * `npm start` end to end, on the real clock: the child process runs dynalite on disk, the
 * synthesized state machine and the endpoint; the test owns the simulator (as Cloudflare
 * outlives an exporter restart) and checks the scraped counters against its ground truth.
 */
const paidZones = ["example.com", "example-shop.com", "example-blog.net", "sideproject.dev"];
const freeZones = ["example.org", "sideproject.app"];
/** A Free zone's headline counters come from two groups; each is checked over its own counted range. */
const freeGroups = {
  "http-requests-adaptive-totals": adaptiveHeadlineCounters.filter(
    (n) => !/_(country|status)_total$/.test(n),
  ),
  "http-requests-adaptive-breakdowns": adaptiveHeadlineCounters.filter((n) =>
    /_(country|status)_total$/.test(n),
  ),
};
const cycleDone = (line: Record<string, unknown>) => line.cycle === "done";
const cycleStarted = (line: Record<string, unknown>) => /^cycle \S+ started$/.test(String(line.message));

async function scrape(exporter: LocalExporter, dataDir: string): Promise<Map<string, number>> {
  const { url } = (await exporter.waitFor((line) => typeof line.url === "string", "the endpoint's URL")) as {
    url: string;
  };
  const token = (await readFile(join(dataDir, "scrape-token"), "utf8")).trim();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return parseSamples(await response.text());
}

function countedRange(
  samples: Map<string, number>,
  account: string,
  zone: string,
  query = "http-requests-1m",
): [number, number] {
  const labels = `{account="${account}",query="${query}",zone="${zone}"}`;
  const from = samples.get(`cloudflare_exporter_collected_from_timestamp_seconds${labels}`);
  const until = samples.get(`cloudflare_exporter_collected_until_timestamp_seconds${labels}`);
  if (from === undefined || until === undefined) throw new Error(`no counted range for ${zone}`);
  return [from, until];
}

function expectAllExact(simulator: Simulator, samples: Map<string, number>): number {
  let checked = 0;
  for (const name of paidZones) {
    const zone = simulator.world.zones.find((z) => z.name === name);
    if (!zone) throw new Error(`${name} is not in the world`);
    const [from, until] = countedRange(samples, zone.accountName, zone.name);
    expect(until - from).toBeGreaterThanOrEqual(1_800); // at least the initial lookback was counted
    checked += expectExact(simulator, samples, zone, [[from, until]]);
  }
  // Free zones: requests, bandwidth, cached, TLS, threats, by status and by country, the same ground truth.
  for (const name of freeZones) {
    const zone = simulator.world.zones.find((z) => z.name === name);
    if (!zone) throw new Error(`${name} is not in the world`);
    for (const [query, families] of Object.entries(freeGroups)) {
      const [from, until] = countedRange(samples, zone.accountName, zone.name, query);
      expect(until - from).toBeGreaterThanOrEqual(1_800);
      checked += expectExact(simulator, samples, zone, [[from, until]], families);
    }
    for (const family of ["cloudflare_zone_requests_total", "cloudflare_zone_bandwidth_total"]) {
      expect(samples.has(`${family}{zone="${name}"}`), `${family} of ${name}`).toBe(true);
    }
  }
  return checked;
}

describe("npm start", () => {
  let simulator: Simulator;
  let dataDir: string;
  const running: LocalExporter[] = [];
  beforeAll(async () => {
    simulator = await startSimulator({ port: 0, settleSeconds: 30 });
    dataDir = await mkdtemp(join(tmpdir(), "local-mode-"));
  });
  afterAll(async () => {
    for (const exporter of running) exporter.kill("SIGKILL");
    await simulator.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = (env: Record<string, string> = {}) => {
    const exporter = startLocalExporter({
      CLOUDFLARE_API_TOKEN: "sim-token",
      CLOUDFLARE_API_BASE_URL: simulator.baseUrl,
      DATA_DIR: dataDir,
      PORT: "0",
      SCHEDULE_SECONDS: "2",
      SCRAPE_DELAY_SECONDS: "60",
      INITIAL_LOOKBACK_SECONDS: "1800",
      ...env,
    });
    running.push(exporter);
    return exporter;
  };

  it("counts exactly, survives SIGKILL mid-cycle, and never counts lower or twice after a restart", async () => {
    const first = start();
    await first.waitFor(cycleDone, "the first cycle");
    const before = await scrape(first, dataDir);
    expectAllExact(simulator, before);

    // The next cycle starts within SCHEDULE_SECONDS; kill the process group as it does.
    const seen = first.lines.length;
    await first.waitFor((line) => first.lines.indexOf(line) >= seen && cycleStarted(line), "a second cycle");
    first.kill("SIGKILL");
    expect(await first.exited).toBe(null);

    const second = start();
    await second.waitFor(cycleDone, "the first cycle after the restart");
    const after = await scrape(second, dataDir);
    expectAllExact(simulator, after);
    // Every counter scraped before the kill is still there, and not lower.
    const counters = [...before].filter(([key]) => /^cloudflare_zone_\w+_total\{/.test(key));
    expect(counters.length).toBe(
      [...after.keys()].filter((key) => /^cloudflare_zone_\w+_total\{/.test(key) && before.has(key)).length,
    );
    for (const [key, value] of counters) expect(after.get(key), key).toBeGreaterThanOrEqual(value);
    // Ctrl-C reaches the whole process group: it stops cleanly.
    second.kill("SIGINT");
    await second.exited;
    expect(second.lines.at(-1)?.message).toBe("stopped");
  });

  it("refuses a token Cloudflare rejects, in one line", async () => {
    const exporter = start({ CLOUDFLARE_API_TOKEN: "sim-expired-token" });
    expect(await exporter.exited).toBe(1);
    expect(exporter.stderr).toEqual([
      "npm start: Cloudflare rejected CLOUDFLARE_API_TOKEN (401 Invalid API Token); create a token with Analytics:Read, and set CF_ACCOUNTS for an account-owned token",
    ]);
  });

  it("refuses an invalid setting, in one line", async () => {
    const exporter = start({ SCRAPE_DELAY_SECONDS: "ninety" });
    expect(await exporter.exited).toBe(1);
    expect(exporter.stderr).toEqual([
      'npm start: invalid configuration: SCRAPE_DELAY_SECONDS="ninety" (env): must be a whole number',
    ]);
  });

  it("refuses a port in use, in one line", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const exporter = start({ PORT: String(port) });
      expect(await exporter.exited).toBe(1);
      expect(exporter.stderr).toEqual([
        `npm start: port ${port} on 127.0.0.1 is in use: set PORT to a free port`,
      ]);
    } finally {
      blocker.close();
    }
  });

  it("refuses a data directory it cannot write, in one line", async () => {
    const file = join(dataDir, "not-a-directory");
    await writeFile(file, "");
    const exporter = start({ DATA_DIR: file });
    expect(await exporter.exited).toBe(1);
    expect(exporter.stderr).toEqual([
      `npm start: the data directory ${file} cannot be used (EEXIST): set DATA_DIR to a writable directory`,
    ]);
  });
});

describe("npm start on a fresh clone (no token)", () => {
  it("says it uses the simulator and serves its metrics after the first cycle", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "local-fresh-"));
    const exporter = startLocalExporter({ DATA_DIR: dataDir, PORT: "0" });
    try {
      const banner = await exporter.waitFor(
        (line) => String(line.message).includes("simulator"),
        "the banner",
      );
      expect(String(banner.message)).toMatch(
        /^no CLOUDFLARE_API_TOKEN: collecting from the built-in Cloudflare API simulator \(synthetic data\) at http:\/\/127\.0\.0\.1:\d+\/client\/v4$/,
      );
      await exporter.waitFor(cycleDone, "the first cycle");
      // The curl command it prints, as printed.
      const hint = String(
        (await exporter.waitFor((l) => String(l.message).startsWith("try: curl"), "the hint")).message,
      );
      const [, token, url] =
        /^try: curl -H 'Authorization: Bearer ([\w-]+)' (http:\/\/127\.0\.0\.1:\d+\/metrics)$/.exec(hint) ??
        [];
      const response = await fetch(url ?? "", { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const samples = parseSamples(await response.text());
      for (const zone of paidZones)
        expect(samples.has(`cloudflare_zone_requests_total{zone="${zone}"}`), zone).toBe(true);
      const accounts = exporter.lines
        .filter((line) => String(line.message).startsWith("account "))
        .map((l) => l.message);
      expect(accounts).toEqual([
        "account Example Corp: example-blog.net (pro), example-shop.com (business), example.com (enterprise), example.org (free)",
        "account Side Project: sideproject.app (free), sideproject.dev (pro)",
      ]);
    } finally {
      exporter.kill("SIGINT");
      await exporter.exited;
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
