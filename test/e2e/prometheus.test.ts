import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../local/simulator/server.ts";
import { type LocalExporter, startLocalExporter } from "../local/child.ts";
import { runPanelQueries } from "./dashboard-queries.ts";
import { counterSeries, exportedKey, scrapeText } from "./exposition.ts";
import type { Sample } from "./prometheus-api.ts";
import { job, type PrometheusServer, scrapeIntervalSeconds, startPrometheus } from "./prometheus-server.ts";
import { promtoolCheckMetrics, requireTools } from "./tools.ts";
import { freePort, isListening, nowSeconds, waitUntil, within } from "./wait.ts";

/**
 * `npm start` scraped by a real Prometheus across a graceful restart of the exporter: the
 * exposition passes `promtool check metrics`, no counter ever goes down (`resets()` is 0
 * for every series), the last scraped `cloudflare_zone_requests_total` of every zone equals
 * the simulator's ground truth over the range the same scrape says was counted, and `up`
 * is 1 except while the exporter was down.
 *
 * The first test runs the scenario and records its landmarks; the others check them, so a
 * failure names the property that broke. The simulator lives in the test process, as
 * Cloudflare outlives an exporter restart; Prometheus, the exporter and the simulator
 * listen on 127.0.0.1 only.
 */
const paidZones = ["example.com", "example-shop.com", "example-blog.net", "sideproject.dev"];
const freeZones = ["example.org", "sideproject.app"];
const requestsGroup = "http-requests-1m";
/**
 * Where each zone's `cloudflare_zone_requests_total` comes from: paid zones' from
 * httpRequests1mGroups, Free zones' from its stand-in on httpRequestsAdaptiveGroups.
 */
const requestSources = {
  [requestsGroup]: { dataset: "httpRequests1mGroups", field: "sum.requests" },
  "http-requests-adaptive-totals": { dataset: "httpRequestsAdaptiveGroups", field: "count" },
} as const;
const counters = `{__name__=~"cloudflare_.+_total",job="${job}"}`;
/** Successful scrapes to watch before the restart and after the restarted exporter's first cycle. */
const scrapesPerPhase = 10;

const cycleDone = (line: Record<string, unknown>) => line.cycle === "done";

interface Run {
  simulator: Simulator;
  prometheus: PrometheusServer;
  /** When SIGTERM was sent to the first exporter (Unix seconds). */
  stoppedAt: number;
  /** When the restarted exporter logged its first completed cycle. */
  restartedAt: number;
  /** The last successful scrape before the stop, and the last scrape of the run (Prometheus timestamps). */
  lastBeforeStop: number;
  end: number;
  /** The exposition fetched at the end, identical in its series to the scrape at `end`. */
  body: string;
}

/** One line at the end: each check writes its part when it passes, "FAILED" when it starts. */
const summary = {
  up: "up: not checked",
  resets: "resets(): not checked",
  truth: "ground truth: not checked",
  promtool: "promtool check metrics: not run",
  panels: "dashboard panels: not checked",
  rules: "rules: not checked",
};

/**
 * Panels with nothing to show in this run, listed by name and skipped (their queries still
 * run and parse). Each must come back empty, so the list cannot outlive its reason. The
 * world has every product the catalogue covers; what it lacks is trouble.
 */
const panelsWithoutData: readonly string[] = [
  "cloudflare-exporter / Samples dropped in range", // no family reaches MAX_SERIES_PER_FAMILY
  "cloudflare-exporter / Errors by code", // Cloudflare (the simulator) answers without error
  "cloudflare-exporter / Rejected config overrides", // no override is set
  "cloudflare-exporter / Dropped samples by family", // as "Samples dropped in range"
];

/**
 * Panels of events the simulator draws by chance per minute (an origin going down, a
 * Logpush retry that also fails): a run of a few minutes may or may not meet one, so these
 * may come back either way; every other panel must have data.
 */
const panelsOfChanceEvents: readonly string[] = [
  "cloudflare-load-balancing / Unhealthy checks by origin and reason",
  // One push in twenty fails, by chance per job and minute (local/simulator/traffic/logpush.ts),
  // for zone and account jobs alike: a short run may meet none.
  "cloudflare-products / Lost batches by zone job",
  "cloudflare-products / Failed push attempts by zone job",
  "cloudflare-products / Lost batches by account job",
  "cloudflare-products / Failed push attempts by account job",
];

describe("Prometheus scraping npm start across a restart", () => {
  const cleanup: (() => Promise<void>)[] = [];
  let tornDown = false;
  /** Stopped in afterAll, in reverse order; at once if the scenario outlived its timeout. */
  const own = (stop: () => Promise<void>) => {
    if (tornDown) void stop().catch(() => {});
    else cleanup.push(stop);
  };
  let run: Run | undefined;
  const completed = (): Run => {
    if (!run) throw new Error("the scenario did not complete: see the first test's failure");
    return run;
  };

  afterAll(async () => {
    tornDown = true;
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => console.error(error));
    console.log(
      run
        ? `e2e: ${summary.up}; ${summary.resets}; ${summary.truth}; ${summary.promtool}; ${summary.panels}; ${summary.rules}`
        : "e2e: the scenario did not complete; nothing was checked",
    );
  });

  it("runs Prometheus against npm start and restarts the exporter once", async () => {
    requireTools();
    const simulator = await startSimulator({ port: 0, settleSeconds: 30 });
    own(() => simulator.close());
    const dataDir = await mkdtemp(join(tmpdir(), "e2e-exporter-"));
    const prometheusDir = await mkdtemp(join(tmpdir(), "e2e-prometheus-"));
    own(async () => {
      await rm(dataDir, { recursive: true, force: true });
      await rm(prometheusDir, { recursive: true, force: true });
    });
    const port = await freePort();
    const tokenFile = join(dataDir, "scrape-token");

    const start = (): LocalExporter => {
      const exporter = startLocalExporter({
        CLOUDFLARE_API_TOKEN: "sim-token",
        CLOUDFLARE_API_BASE_URL: simulator.baseUrl,
        DATA_DIR: dataDir,
        PORT: String(port),
        SCHEDULE_SECONDS: "2",
        SCRAPE_DELAY_SECONDS: "60",
        INITIAL_LOOKBACK_SECONDS: "1800",
      });
      own(async () => {
        exporter.kill("SIGKILL");
        await exporter.exited;
      });
      return exporter;
    };

    const first = start();
    const { url: metricsUrl } = (await within(
      first.waitFor((line) => typeof line.url === "string", "the endpoint's URL"),
      "the endpoint's URL",
      () => [...first.lines, ...first.stderr],
    )) as { url: string };
    // The endpoint listens before local mode has loaded its state machine, which blocks it
    // for a few seconds: Prometheus starts once the exporter has answered for real.
    await within(first.waitFor(cycleDone, "the first cycle"), "the first cycle", () => first.lines);
    const prometheus = await startPrometheus({
      dir: prometheusDir,
      target: `127.0.0.1:${port}`,
      credentialsFile: tokenFile, // written by the first start, reused by the second
    });
    own(() => prometheus.stop());
    const { api } = prometheus;
    const window = () => `${Math.ceil(nowSeconds() - prometheus.startedAt) + 60}s`;
    const upSamples = async (): Promise<Sample[]> =>
      (await api.samples(`up{job="${job}"}[${window()}]`))[0]?.samples ?? [];
    const scrapedSince = async (since: number, count: number) => {
      const ok = (await upSamples()).filter((s) => s.at > since && s.value === 1);
      return ok.length >= count ? ok : undefined;
    };

    await waitUntil(`${scrapesPerPhase} scrapes`, () => scrapedSince(prometheus.startedAt, scrapesPerPhase));
    // Counting advances once a minute: watch it advance, so the counters rose while scraped.
    await waitUntil(
      "Prometheus to see a newly counted minute",
      async () =>
        (
          await api.vector(
            `changes(cloudflare_exporter_collected_until_timestamp_seconds{job="${job}",query="${requestsGroup}"}[${window()}]) > 0`,
          )
        ).length > 0 || undefined,
      { timeoutMs: 150_000 },
    );

    // A graceful stop, as systemd or Ctrl-C would do it: the whole process group gets SIGTERM.
    const stoppedAt = nowSeconds();
    first.kill("SIGTERM");
    // "stopped" is logged once the endpoint, the schedule and dynalite are closed, so the
    // next process can open the same data directory (npm itself may exit earlier).
    await waitUntil(
      "the exporter to log that it stopped",
      () => first.lines.some((line) => line.message === "stopped") || undefined,
    );
    await within(first.exited, "npm start to exit", () => first.lines);
    expect(await isListening(port)).toBe(false);
    // The restart must be seen as an outage, not slip between two scrapes.
    await waitUntil("Prometheus to record up=0", async () =>
      (await upSamples()).some((s) => s.at >= stoppedAt - scrapeIntervalSeconds && s.value === 0)
        ? true
        : undefined,
    );

    const second = start();
    await within(
      second.waitFor(cycleDone, "the first cycle after the restart"),
      "the first cycle after the restart",
      () => [...second.lines, ...second.stderr],
    );
    const restartedAt = nowSeconds();
    await waitUntil(`${scrapesPerPhase} scrapes after the restart's first cycle`, () =>
      scrapedSince(restartedAt, scrapesPerPhase),
    );

    // Counting may add a series (a new country, say) at any minute: keep the body whose
    // counter series are exactly those of the next Prometheus scrape.
    const { body, end } = await waitUntil("a body with the series of the scrape after it", async () => {
      const fetchedAt = nowSeconds();
      const text = await scrapeText(metricsUrl, tokenFile);
      const next = await waitUntil("the next scrape", () => scrapedSince(fetchedAt, 1));
      const at = next[0]?.at ?? 0;
      const scraped = (await api.vector(counters, at)).map((r) => exportedKey(r.metric)).sort();
      return JSON.stringify(scraped) === JSON.stringify(counterSeries(text).sort())
        ? { body: text, end: at }
        : undefined;
    });
    const lastBeforeStop = (await upSamples()).filter((s) => s.at < stoppedAt && s.value === 1).at(-1)?.at;
    if (lastBeforeStop === undefined) throw new Error("no successful scrape before the stop");
    run = { simulator, prometheus, stoppedAt, restartedAt, lastBeforeStop, end, body };
  }, 600_000); // its waits have their own deadlines; this only bounds the sum on a slow machine

  it("serves an exposition promtool check metrics finds nothing to report in", async () => {
    const { body } = completed();
    const { code, output } = await promtoolCheckMetrics(body);
    summary.promtool = `promtool check metrics: ${code === 0 && output === "" ? "clean" : `FAILED (exit ${code}: ${output.trim()})`}`;
    expect(output).toBe("");
    expect(code).toBe(0);
  });

  it("answers every dashboard panel's query with data, except the panels listed for products the world lacks", async () => {
    const { prometheus, end } = completed();
    summary.panels = "dashboard panels: FAILED";
    const range = `${Math.floor(end - prometheus.startedAt)}s`;
    const outcomes = await runPanelQueries(prometheus.api, end, range);
    const empty = outcomes.filter((o) => o.series.some((n) => n === 0)).map((o) => o.panel);
    expect(empty.filter((panel) => !panelsOfChanceEvents.includes(panel))).toEqual([...panelsWithoutData]);
    const panels = outcomes.map((o) => o.panel);
    for (const panel of panelsOfChanceEvents) expect(panels).toContain(panel);
    const checked = outcomes.length - empty.length;
    const queries = outcomes.reduce((sum, o) => sum + o.series.length, 0);
    summary.panels = `dashboard panels: ${checked} of ${outcomes.length} returned data (${queries} queries), ${empty.length} skipped (${empty.join(", ") || "none"})`;
  });

  it("evaluates every shipped rule without error", async () => {
    const { prometheus } = completed();
    summary.rules = "rules: FAILED";
    const rules = await prometheus.api.rules();
    expect(
      rules.filter((r) => r.health !== "ok").map((r) => `${r.name}: ${r.health} ${r.lastError ?? ""}`),
    ).toEqual([]);
    expect(rules.length).toBe(18);
    summary.rules = `rules: ${rules.length} loaded from rules/, every evaluation ok`;
  });

  it("never resets a counter, across the restart included", async () => {
    const { prometheus, end, body } = completed();
    summary.resets = "resets(): FAILED";
    // Every counter family is covered by the selector, or the check below would be partial.
    const families = [...body.matchAll(/^# TYPE (\S+) counter$/gm)].map((m) => m[1]);
    expect(families.filter((name) => !/^cloudflare_.+_total$/.test(name ?? ""))).toEqual([]);
    const covering = `${Math.ceil(end - prometheus.startedAt) + 60}s`;
    // resets() drops the metric name, and series of two counters with the same labels
    // would then collide: ask per counter name, for every name seen during the run.
    const names = await prometheus.api.vector(
      `count by (__name__) (last_over_time(${counters}[${covering}]))`,
      end,
    );
    const resets: { series: string; value: number }[] = [];
    for (const name of names.map((r) => r.metric.__name__ ?? "")) {
      for (const r of await prometheus.api.vector(`resets(${name}{job="${job}"}[${covering}])`, end))
        resets.push({ series: exportedKey({ ...r.metric, __name__: name }), value: r.value.value });
    }
    expect(resets.filter((r) => r.value !== 0)).toEqual([]);
    // Not vacuous: every counter series the exporter serves was checked, and no other.
    expect(resets.map((r) => r.series).sort()).toEqual(counterSeries(body).sort());
    summary.resets = `resets() = 0 on all ${resets.length} counter series`;
  });

  it("ends with every zone's requests counter equal to ground truth over its counted range", async () => {
    const { prometheus, simulator, lastBeforeStop, end } = completed();
    summary.truth = "ground truth: FAILED";
    // Before the stop and at the end: the restart neither lost nor added a request.
    for (const at of [lastBeforeStop, end]) {
      const zones = await zoneValuesAt(prometheus, at);
      expect([...zones.keys()].sort()).toEqual([...paidZones, ...freeZones].sort());
      for (const [name, { requests, from, until, source }] of zones) {
        const zone = simulator.world.zones.find((z) => z.name === name);
        if (!zone) throw new Error(`${name} is not in the world`);
        expect(source, name).toBe(freeZones.includes(name) ? "http-requests-adaptive-totals" : requestsGroup);
        expect(until - from, name).toBeGreaterThanOrEqual(1_800); // at least the initial lookback
        const truth = simulator.groundTruth({ ...requestSources[source], zoneTag: zone.id, from, to: until });
        expect(requests, `${name} at ${at} over [${from}, ${until})`).toBe(truth);
      }
    }
    summary.truth = `requests of ${paidZones.length + freeZones.length} zones (${freeZones.length} Free) equal to ground truth at the last scrapes before the stop and of the run`;
  });

  it("keeps up at 1 except while the exporter was down", async () => {
    const { prometheus, stoppedAt, restartedAt, end } = completed();
    summary.up = "up: FAILED";
    const window = `${Math.ceil(end - prometheus.startedAt) + 60}s`;
    const raw = async (metric: string) =>
      (await prometheus.api.samples(`${metric}{job="${job}"}[${window}]`, end))[0]?.samples ?? [];
    const samples = await raw("up");
    const seconds = new Map((await raw("scrape_duration_seconds")).map((s) => [s.at, s.value]));
    const down = samples.filter((s) => s.value !== 1);
    // A scrape is stamped when it starts: one interval of slack on each side. The restarted
    // exporter listens a few seconds before it answers, hence the end at its first cycle.
    const [from, to] = [stoppedAt - scrapeIntervalSeconds, restartedAt + scrapeIntervalSeconds];
    const outside = down
      .filter((s) => s.value !== 0 || s.at < from || s.at > to)
      .map((s) => ({ ...s, scrapeSeconds: seconds.get(s.at) }));
    expect(outside, `up != 1 outside the restart [${from}, ${to}]`).toEqual([]);
    expect(down.length).toBeGreaterThan(0); // the test waited for Prometheus to see the outage
    expect(samples.at(-1)).toEqual({ at: end, value: 1 });
    // How close a scrape outside the restart came to the timeout (one interval), for the summary.
    const slowest = Math.max(
      ...samples.filter((s) => s.at < from || s.at > to).map((s) => seconds.get(s.at) ?? Number.NaN),
    );
    summary.up = `${samples.length} scrapes, up=0 in ${down.length} during the restart, slowest other scrape ${Math.round(slowest * 1000)} ms`;
  });
});

/**
 * The zone's requests counter and counted range as one scrape saw them: an instant query
 * at a scrape's own timestamp returns that scrape's samples, and `timestamp()` proves it
 * (a series missing from that scrape would show an older sample). Any scrape will do,
 * even one during a cycle: http-requests-1m keeps a zone in one shard, so the counter and
 * the range are always written together.
 */
async function zoneValuesAt(
  prometheus: PrometheusServer,
  at: number,
): Promise<
  Map<string, { requests: number; from: number; until: number; source: keyof typeof requestSources }>
> {
  const byZone = async (selector: string) => {
    const [values, stamps] = await Promise.all([
      prometheus.api.vector(selector, at),
      prometheus.api.vector(`timestamp(${selector})`, at),
    ]);
    expect(stamps.map((s) => s.value.value).filter((t) => t !== at)).toEqual([]);
    expect(stamps.length).toBe(values.length);
    return new Map(values.map((r) => [r.metric.zone ?? "", r.value.value]));
  };
  const requests = await byZone(`cloudflare_zone_requests_total{job="${job}"}`);
  const zones = new Map<
    string,
    { requests: number; from: number; until: number; source: keyof typeof requestSources }
  >();
  for (const source of Object.keys(requestSources) as (keyof typeof requestSources)[]) {
    const range = `{job="${job}",query="${source}"}`;
    const [from, until] = await Promise.all([
      byZone(`cloudflare_exporter_collected_from_timestamp_seconds${range}`),
      byZone(`cloudflare_exporter_collected_until_timestamp_seconds${range}`),
    ]);
    for (const [zone, start] of from) {
      const stop = until.get(zone);
      const value = requests.get(zone);
      if (stop === undefined || value === undefined) continue;
      if (zones.has(zone)) throw new Error(`${zone} has requests from two sources`);
      zones.set(zone, { requests: value, from: start, until: stop, source });
    }
  }
  for (const zone of requests.keys()) {
    if (!zones.has(zone)) throw new Error(`no counted range for ${zone} at ${at}`);
  }
  return zones;
}
