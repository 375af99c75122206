import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../local/simulator/server.ts";
import { startPrometheus } from "./prometheus-server.ts";
import { requireTools } from "./tools.ts";
import { freePort } from "./wait.ts";

/**
 * `npm run backfill` against the simulator over HTTP: `promtool tsdb create-blocks-from
 * openmetrics` accepts its file, and a Prometheus started on the produced blocks answers,
 * for every zone and every minute m of the range, an increase of
 * `cloudflare_zone_requests_total` from m to m+60 equal to the simulator's settled value.
 * A range beyond what a zone's plan keeps is refused with a message that names the zone.
 */
const paidZones = ["example.com", "example-shop.com", "example-blog.net", "sideproject.dev"];

function run(command: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run backfill → promtool → Prometheus", () => {
  const cleanup: (() => Promise<void>)[] = [];
  let simulator: Simulator;
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => console.error(error));
  });
  const backfill = (args: string[]) =>
    run("npm", ["run", "--silent", "backfill", "--", ...args], {
      CLOUDFLARE_API_TOKEN: "sim-token",
      CLOUDFLARE_API_BASE_URL: simulator.baseUrl,
      SCRAPE_DELAY_SECONDS: "60",
    });

  it("writes blocks whose every minute equals ground truth", async () => {
    requireTools();
    simulator = await startSimulator({ port: 0, settleSeconds: 30 });
    cleanup.push(() => simulator.close());
    const dir = await mkdtemp(join(tmpdir(), "e2e-backfill-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const to = Math.floor((Date.now() / 1000 - 120) / 60) * 60;
    const from = to - 90 * 60;
    const out = join(dir, "backfill.om");
    const made = await backfill([
      "--from",
      new Date(from * 1000).toISOString(),
      "--to",
      String(to),
      "--groups",
      "http-requests-1m",
      "--out",
      out,
    ]);
    expect(made.stderr).toMatch(
      /^wrote .*backfill\.om: \d+ series, \d+ samples, 4 zones or accounts, 1 query groups, \d+ GraphQL requests/,
    );
    expect(made.code).toBe(0);
    expect((await readFile(out, "utf8")).endsWith("# EOF\n")).toBe(true);

    const blocks = await run("promtool", [
      "tsdb",
      "create-blocks-from",
      "openmetrics",
      out,
      join(dir, "data"),
    ]);
    expect(blocks.code, blocks.stderr + blocks.stdout).toBe(0);

    const prometheus = await startPrometheus({
      dir,
      config: JSON.stringify({ global: {} }),
      flags: [],
      port: await freePort(),
    });
    cleanup.push(() => prometheus.stop());
    const wrong: string[] = [];
    let checked = 0;
    for (const name of paidZones) {
      const zone = simulator.world.zones.find((z) => z.name === name);
      if (!zone) throw new Error(`${name} is not in the world`);
      const valueAt = async (t: number) =>
        (await prometheus.api.vector(`cloudflare_zone_requests_total{zone="${name}"}`, t))[0]?.value.value ??
        Number.NaN;
      let previous = await valueAt(from);
      for (let m = from; m < to; m += 60) {
        const next = await valueAt(m + 60);
        const truth = simulator.groundTruth({
          dataset: "httpRequests1mGroups",
          zoneTag: zone.id,
          field: "sum.requests",
          from: m,
          to: m + 60,
        });
        checked += 1;
        if (next - previous !== truth) wrong.push(`${name}@${m}: ${next - previous} != ${truth}`);
        previous = next;
      }
    }
    console.log(
      `e2e backfill: ${made.stderr.trim()}; promtool: ${blocks.stdout.trim().split("\n").length} lines, exit 0; ${checked} zone-minutes checked, ${wrong.length} wrong`,
    );
    expect(wrong).toEqual([]);
    expect(checked).toBe(paidZones.length * 90);
  }, 300_000);

  it("refuses a range older than a zone's plan keeps, naming the zone, and writes nothing", async () => {
    const out = join(tmpdir(), `backfill-refused-${process.pid}.om`);
    const refused = await backfill([
      "--from",
      String(Math.floor(Date.now() / 1000) - 400 * 86_400),
      "--to",
      String(Math.floor(Date.now() / 1000) - 399 * 86_400),
      "--groups",
      "http-requests-1m",
      "--out",
      out,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("npm run backfill: the range starts before what Cloudflare keeps for:");
    expect(refused.stderr).toMatch(
      /example\.com: http-requests-1m \(httpRequests1mGroups\) reaches back only to \d{4}-/,
    );
    await expect(readFile(out)).rejects.toThrow("ENOENT");
  }, 120_000);
});
