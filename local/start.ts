/**
 * `npm start`: the whole exporter on one machine. Everything the AWS deployment runs, in
 * one process: an embedded DynamoDB persisted under DATA_DIR, the state machine the CDK
 * stack synthesizes (executed by aws-local-stepfunctions each minute, its tasks bound to
 * the real handlers), and the endpoint on 127.0.0.1. With CLOUDFLARE_API_TOKEN it talks to
 * Cloudflare; without, to the built-in simulator.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError, loadConfig } from "../lambda/config/config.ts";
import { localOverridesFile } from "../lambda/config/override-store.ts";
import { createConfigProvider, fileOverrides } from "../lambda/config/provider.ts";
import { createLogger, type LogFormat } from "../lambda/lib/log.ts";
import { createApp } from "../lambda/serve/app.ts";
import { authRequired, readCredentials } from "../lambda/serve/credentials.ts";
import { readState } from "../lambda/serve/state.ts";
import { createStore, createTable } from "../lambda/store/table.ts";
import { formatCycle, minutesBehind, reportCycle } from "./cycle-report.ts";
import { startDynalite } from "./dynalite.ts";
import { localStateMachine } from "./executor.ts";
import { startSchedule } from "./schedule.ts";
import { serveHttp } from "./serve-http.ts";
import {
  localScrapeToken,
  parsePort,
  parseSeconds,
  prepareDataDir,
  SetupError,
  verifyToken,
} from "./setup.ts";
import { worldFromEnvironment } from "./simulator/scale-world.ts";
import { startSimulator } from "./simulator/server.ts";

export const defaultPort = 9199;
const closers: (() => Promise<void>)[] = [];

if (existsSync(".env")) process.loadEnvFile(".env"); // never overrides what the shell set
const env = process.env;
const format: LogFormat =
  env.LOG_FORMAT?.trim().toLowerCase() === "json" || !process.stdout.isTTY ? "json" : "pretty";
env.LOG_FORMAT = format; // the handlers follow the same format
const log = createLogger({ format, base: format === "json" ? { service: "cloudflare-exporter-local" } : {} });
/** Fields for machines: JSON lines carry them; a person reads them in the message already. */
const fields = (values: Record<string, unknown>) => (format === "json" ? values : {});

async function main(): Promise<void> {
  const config = loadConfig(env);
  const port = parsePort(env.PORT, defaultPort);
  const scheduleSeconds = parseSeconds("SCHEDULE_SECONDS", env.SCHEDULE_SECONDS, 60);
  const dataDir = resolve(env.DATA_DIR ?? ".data");
  await prepareDataDir(dataDir);

  let baseUrl = config.cloudflareApiBaseUrl;
  let token = env.CLOUDFLARE_API_TOKEN?.trim();
  if (token) {
    await verifyToken(baseUrl, token, config.cfAccounts);
  } else {
    // SIMULATOR_ZONES / SIMULATOR_ACCOUNTS: the exporter at scale on one machine.
    const world = worldFromEnvironment(process.env);
    const simulator = await startSimulator({ port: 0, ...(world ? { world } : {}) });
    closers.push(() => simulator.close());
    baseUrl = simulator.baseUrl;
    token = simulator.world.tokens.find((t) => t.kind === "user" && t.status === "active")?.value ?? "";
    log.info(
      `no CLOUDFLARE_API_TOKEN: collecting from the built-in Cloudflare API simulator (synthetic data) at ${baseUrl}`,
      fields({ simulator: baseUrl }),
    );
  }

  const dynamo = await startDynalite({ path: join(dataDir, "dynamodb") });
  closers.push(() => dynamo.close());
  const store = createStore(env.TABLE_NAME ?? "cloudflare-exporter", { endpoint: dynamo.endpoint });
  await createTable(store);

  // The handlers read their environment exactly as in Lambda.
  Object.assign(env, {
    TABLE_NAME: store.tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    CLOUDFLARE_API_TOKEN: token,
    CLOUDFLARE_API_BASE_URL: baseUrl,
    CONFIG_OVERRIDES_FILE: localOverridesFile(dataDir),
    // The push's build_info says what the scrape's does.
    EXPORTER_VERSION: env.EXPORTER_VERSION ?? "local",
  });
  const scrapeToken = config.metricsAuth === "required" ? await localScrapeToken(env, dataDir) : undefined;
  const settings = createConfigProvider({
    env,
    overrides: fileOverrides(localOverridesFile(dataDir)),
    logger: log,
  });
  const app = createApp({
    settings,
    readState: (current) => readState(store, current),
    clock: Date.now,
    build: { version: env.EXPORTER_VERSION ?? "local", runtime: process.version },
    // The same wiring as the Lambda endpoint; local mode's token stands in for SCRAPE_BEARER_TOKEN.
    auth: {
      required: authRequired(config.metricsAuth),
      credentials: await readCredentials({ ...env, SCRAPE_BEARER_TOKEN: scrapeToken }),
    },
    logger: log,
  });
  // Synthesizing the stack blocks for a few seconds: done before the port opens, so a
  // scraper never finds it open but unanswered.
  const stateMachine = await localStateMachine();
  let url: string;
  try {
    const served = await serveHttp(app, port, "127.0.0.1", log);
    closers.unshift(() => new Promise((done) => served.server.close(() => done())));
    url = served.url;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new SetupError(`port ${port} on 127.0.0.1 is in use: set PORT to a free port`);
    throw error;
  }
  const metricsUrl = `${url}${config.metricsPath}`;
  log.info(`metrics at ${metricsUrl}`, fields({ url: metricsUrl, dataDir }));
  log.info(
    scrapeToken
      ? `try: curl -H 'Authorization: Bearer ${scrapeToken}' ${metricsUrl}`
      : `try: curl ${metricsUrl}`,
    fields({ health: `${url}/health`, config: `${url}/config` }),
  );

  let firstCycle = true;
  const schedule = startSchedule({
    intervalMs: scheduleSeconds * 1000,
    onSkip: (at) => log.warn(`cycle ${at.toISOString()} skipped: the previous cycle is still running`),
    run: async (scheduled) => {
      const started = Date.now();
      log.info(
        `cycle ${scheduled.toISOString().slice(11, 19)}Z started`,
        fields({ scheduledTime: scheduled.toISOString() }),
      );
      try {
        const output = await stateMachine.execute({ scheduledTime: scheduled.toISOString() });
        log.info(
          formatCycle(reportCycle(output), scheduled, Date.now() - started),
          fields({ cycle: "done" }),
        );
        const current = (await settings.current()).config;
        const state = await readState(store, current);
        if (firstCycle) {
          firstCycle = false;
          for (const { account, zones } of state.accounts)
            log.info(
              `account ${account.name}: ${
                zones
                  .map((zone) => `${zone.name} (${zone.plan})`)
                  .sort()
                  .join(", ") || "no zones"
              }`,
            );
        }
        for (const [account, minutes] of minutesBehind(state, current, Date.now()))
          if (minutes > 0) log.info(`catching up: ${account} has ${minutes} minutes still to count`);
      } catch (error) {
        log.error(`cycle failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  });
  closers.unshift(() => schedule.stop());
}

async function shutdown(code: number): Promise<never> {
  for (const close of closers.splice(0)) await close().catch(() => {});
  if (code === 0) log.info("stopped");
  process.exit(code);
}

process.once("SIGINT", () => {
  log.info("stopping");
  void shutdown(0);
});
process.once("SIGTERM", () => void shutdown(0));

try {
  await main();
} catch (error) {
  const known = error instanceof SetupError || error instanceof ConfigError;
  console.error(
    `npm start: ${known ? error.message : `could not start: ${(error as Error).stack ?? error}`}`,
  );
  await shutdown(1);
}
