import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseSeriesKey, seriesKey } from "../../lambda/catalogue/series-key.ts";
import { startSimulator } from "../../local/simulator/server.ts";
import { type LocalExporter, parseSamples, startLocalExporter } from "../local/child.ts";
import { exportedKey, scrapeText } from "./exposition.ts";
import { type PrometheusServer, startPrometheus } from "./prometheus-server.ts";
import { requireTools } from "./tools.ts";
import { freePort, nowSeconds, waitUntil, within } from "./wait.ts";

/**
 * `npm start` pushing to a real Prometheus (remote-write receiver on, an out-of-order
 * window set, no scraping at all), across a three-minute stop of the receiver and a kill -9
 * of the exporter. Then, for every zone and every minute m from the first pushed sample to
 * the last, `cloudflare_zone_requests_total` at m+60 minus its value at m (instant queries,
 * as a dashboard asks) must equal the simulator's settled value of minute m: nothing lost
 * while the receiver was away, nothing doubled by the retries or by the restart.
 */
const paidZones = ["example.com", "example-shop.com", "example-blog.net", "sideproject.dev"];
const requests = "cloudflare_zone_requests_total";
const outageSeconds = 180;

describe("npm start pushing to Prometheus's remote-write receiver", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => console.error(error));
  });

  it("gives every zone's every minute its exact increase across a receiver outage and a kill -9", async () => {
    requireTools();
    const simulator = await startSimulator({ port: 0, settleSeconds: 30 });
    cleanup.push(() => simulator.close());
    const dataDir = await mkdtemp(join(tmpdir(), "e2e-push-exporter-"));
    const prometheusDir = await mkdtemp(join(tmpdir(), "e2e-push-prometheus-"));
    cleanup.push(async () => {
      await rm(dataDir, { recursive: true, force: true });
      await rm(prometheusDir, { recursive: true, force: true });
    });
    const prometheusPort = await freePort();
    const exporterPort = await freePort();
    const receiver = async (): Promise<PrometheusServer> => {
      const server = await startPrometheus({
        dir: prometheusDir,
        config: JSON.stringify({ global: {}, storage: { tsdb: { out_of_order_time_window: "30m" } } }),
        flags: ["--web.enable-remote-write-receiver"],
        port: prometheusPort,
      });
      cleanup.push(() => server.stop());
      return server;
    };
    const exporter = (): LocalExporter => {
      const child = startLocalExporter({
        CLOUDFLARE_API_TOKEN: "sim-token",
        CLOUDFLARE_API_BASE_URL: simulator.baseUrl,
        DATA_DIR: dataDir,
        PORT: String(exporterPort),
        SCHEDULE_SECONDS: "2",
        SCRAPE_DELAY_SECONDS: "60",
        INITIAL_LOOKBACK_SECONDS: "600",
        REMOTE_WRITE_URL: `http://127.0.0.1:${prometheusPort}/api/v1/write`,
        REMOTE_WRITE_AUTH: "none",
      });
      cleanup.push(async () => {
        child.kill("SIGKILL");
        await child.exited;
      });
      return child;
    };

    let prometheus = await receiver();
    const newest = async () =>
      (await prometheus.api.vector(`max(timestamp(${requests}))`))[0]?.value.value ?? Number.NaN;
    /** Waits until every account's push reported an empty queue after `since` (its self-metrics go last). */
    const caughtUp = (since: number) =>
      waitUntil(
        "the push to catch up",
        async () => {
          const stamps = await prometheus.api.vector(
            "timestamp(cloudflare_exporter_remote_write_pending_samples == 0)",
          );
          return stamps.length > 0 && stamps.every((s) => s.value.value > since) ? true : undefined;
        },
        { timeoutMs: 240_000, intervalMs: 1_000 },
      );

    let first = exporter();
    await within(
      first.waitFor((l) => l.cycle === "done", "the first cycle"),
      "the first cycle",
      () => first.lines,
    );
    await caughtUp(nowSeconds());
    const before = await newest();
    await waitUntil(
      "a newly counted minute to arrive",
      async () => ((await newest()) > before ? true : undefined),
      {
        timeoutMs: 150_000,
      },
    );

    // The receiver goes away for three minutes; counting goes on and pushes fail.
    const stoppedAt = nowSeconds();
    await prometheus.stop();
    await new Promise((resolve) => setTimeout(resolve, outageSeconds * 1000));
    expect(first.lines.some((l) => String(l.message).startsWith("remote write failed"))).toBe(true);
    prometheus = await receiver();
    await caughtUp(nowSeconds());

    // kill -9: no chance to finish anything; the restarted exporter carries on from DynamoDB.
    const killedAt = nowSeconds();
    first.kill("SIGKILL");
    await first.exited;
    const second = exporter();
    first = second;
    await within(
      second.waitFor((l) => l.cycle === "done", "a cycle after the kill"),
      "a cycle after the kill",
      () => [...second.lines, ...second.stderr],
    );
    const atKill = await newest();
    await waitUntil(
      "two more counted minutes after the kill",
      async () => ((await newest()) >= atKill + 120 ? true : undefined),
      { timeoutMs: 240_000 },
    );
    await caughtUp(nowSeconds());

    // Accounts push on their own: one may already have a newer minute than another. Every
    // zone is checked up to the newest minute all of them have.
    const zones = paidZones.map((z) => z.replaceAll(".", "\\\\.")).join("|");
    const end =
      (await prometheus.api.vector(`min(timestamp(${requests}{zone=~"${zones}"}))`))[0]?.value.value ??
      Number.NaN;
    const wrong: string[] = [];
    let checked = 0;
    for (const name of paidZones) {
      const zone = simulator.world.zones.find((z) => z.name === name);
      if (!zone) throw new Error(`${name} is not in the world`);
      const raw = await prometheus.api.samples(`${requests}{zone="${name}"}[1h]`, end);
      const from = raw[0]?.samples[0]?.at;
      if (from === undefined) throw new Error(`nothing pushed for ${name}`);
      expect(from, `${name} starts before the outage`).toBeLessThan(stoppedAt - 120);
      const valueAt = async (t: number) =>
        (await prometheus.api.vector(`${requests}{zone="${name}"}`, t))[0]?.value.value ?? Number.NaN;
      let previous = await valueAt(from);
      for (let m = from; m + 60 <= end; m += 60) {
        const next = await valueAt(m + 60);
        const truth = simulator.groundTruth({
          dataset: "httpRequests1mGroups",
          zoneTag: zone.id,
          field: "sum.requests",
          from: m,
          to: m + 60,
        });
        checked += 1;
        if (next - previous !== truth)
          wrong.push(`${name} minute ${new Date(m * 1000).toISOString()}: ${next - previous} != ${truth}`);
        previous = next;
      }
      expect(end, `${name} is pushed past the kill`).toBeGreaterThan(killedAt - 120);
    }
    console.log(
      `e2e push: ${checked} zone-minutes checked against ground truth (${paidZones.length} zones, ${new Date(
        (end - (checked / paidZones.length) * 60) * 1000,
      ).toISOString()} to ${new Date(end * 1000).toISOString()}), ${wrong.length} wrong; receiver stopped ${outageSeconds} s at ${new Date(
        stoppedAt * 1000,
      ).toISOString()}, exporter killed -9 at ${new Date(killedAt * 1000).toISOString()}`,
    );
    expect(wrong).toEqual([]);

    // Besides the counted minutes: every family the scrape serves reached the receiver, the
    // REST snapshots' gauges and the exporter's own metrics included (only the endpoint's
    // config errors and the data age it measures at the scrape are its own), and every
    // self-metric series the scrape serves.
    const { url: metricsUrl } = (await within(
      second.waitFor((line) => typeof line.url === "string", "the endpoint's URL"),
      "the endpoint's URL",
      () => second.lines,
    )) as { url: string };
    const scraped = await scrapeText(metricsUrl, join(dataDir, "scrape-token"));
    const families = (body: string) => new Set([...body.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] ?? ""));
    const endpointOnly = new Set([
      "cloudflare_exporter_config_errors",
      "cloudflare_exporter_data_age_seconds",
    ]);
    const served = [...families(scraped)].filter((name) => !endpointOnly.has(name));
    const pushed = (
      await prometheus.api.vector('count by (__name__) (last_over_time({__name__=~"cloudflare_.+"}[1h]))')
    ).map((r) => r.metric.__name__ ?? "");
    expect(pushed.sort()).toEqual(served.sort());
    const selfServed = [...parseSamples(scraped).keys()]
      .map((key) => parseSeriesKey(key))
      .filter(({ name }) => name.startsWith("cloudflare_exporter_") && !endpointOnly.has(name))
      .map(({ name, labels }) => seriesKey(name, Object.fromEntries(labels)));
    const selfPushed = (
      await prometheus.api.vector('last_over_time({__name__=~"cloudflare_exporter_.+"}[10m])')
    ).map((r) => exportedKey(r.metric));
    expect(selfPushed.sort()).toEqual(selfServed.sort());
    console.log(
      `e2e push: ${pushed.length} families pushed, as the scrape serves them; ${selfPushed.length} self-metric series`,
    );
  }, 1_200_000);
});
