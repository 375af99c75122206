import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PrometheusApi } from "./prometheus-api.ts";
import { freePort, waitUntil } from "./wait.ts";

/**
 * A real Prometheus scraping one target: its config and TSDB in a temporary directory, its
 * web API on 127.0.0.1 only, started with nothing but the three flags it needs.
 */
export const scrapeIntervalSeconds = 2;
export const job = "cloudflare-exporter";

export interface PrometheusServer {
  api: PrometheusApi;
  /** When it was started (Unix seconds): every window that covers the run starts here. */
  startedAt: number;
  /** Stops it (SIGTERM, then SIGKILL if it lingers) and waits for it to exit. */
  stop(): Promise<void>;
}

/** The alert and recording rules we ship, loaded as a user would load them. */
export const rulesFile = fileURLToPath(new URL("../../rules/cloudflare-exporter.rules.yml", import.meta.url));

export function prometheusConfig(target: string, credentialsFile: string): string {
  // JSON is YAML: no YAML library needed, and every string is quoted correctly.
  return JSON.stringify(
    {
      global: {
        scrape_interval: `${scrapeIntervalSeconds}s`,
        scrape_timeout: `${scrapeIntervalSeconds}s`,
        evaluation_interval: `${scrapeIntervalSeconds}s`,
      },
      rule_files: [rulesFile],
      scrape_configs: [
        {
          job_name: job,
          metrics_path: "/metrics",
          authorization: { type: "Bearer", credentials_file: credentialsFile },
          static_configs: [{ targets: [target] }],
        },
      ],
    },
    null,
    2,
  );
}

export async function startPrometheus(
  options:
    | { dir: string; target: string; credentialsFile: string }
    | {
        dir: string;
        /** The whole configuration (JSON is YAML). */
        config: string;
        /** Further flags, e.g. `--web.enable-remote-write-receiver`. */
        flags: string[];
        /** A fixed port, so a restarted Prometheus is found where the pusher sends. */
        port: number;
      },
): Promise<PrometheusServer> {
  const configFile = join(options.dir, "prometheus.yml");
  await writeFile(
    configFile,
    "config" in options ? options.config : prometheusConfig(options.target, options.credentialsFile),
  );
  const port = "port" in options ? options.port : await freePort();
  const startedAt = Date.now() / 1000;
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(options.dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...("flags" in options ? options.flags : []),
    ],
    { cwd: options.dir, stdio: ["ignore", "ignore", "pipe"] },
  );
  // Prometheus logs to stderr: keep the tail for error messages (and drain the pipe).
  const log: string[] = [];
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    log.push(...chunk.split("\n").filter(Boolean));
    log.splice(0, Math.max(0, log.length - 30));
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code) => {
      exitCode = code;
      resolve();
    });
    child.once("error", (error) => {
      log.push(String(error)); // it could not be started at all
      exitCode = null;
      resolve();
    });
  });

  const stop = async () => {
    if (exitCode !== undefined) return;
    child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const lingering = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), 30_000);
    });
    if (await Promise.race([exited.then(() => false), lingering])) child.kill("SIGKILL");
    clearTimeout(timer);
    await exited;
  };

  const api = new PrometheusApi(`http://127.0.0.1:${port}`);
  const outcome = await waitUntil("Prometheus to be ready", async () => {
    if (exitCode !== undefined) return "exited";
    return (await api.ready()) ? "ready" : undefined;
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  if (outcome === "exited")
    throw new Error(`Prometheus exited (${exitCode}) before it was ready:\n${log.join("\n")}`);
  return { api, startedAt, stop };
}
