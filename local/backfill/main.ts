/**
 * `npm run backfill -- --from <time> --to <time> [--zones a.com,b.com] [--groups g1,g2] --out <file>`:
 * asks Cloudflare (or, with CLOUDFLARE_API_BASE_URL, the simulator) for a past range with
 * the exporter's query groups and writes OpenMetrics with timestamps for
 * `promtool tsdb create-blocks-from openmetrics <file> <dir>`. Settings come from the
 * environment (and .env) as for `npm start`; the exporter's DynamoDB state is never
 * touched: discovery caches live in a private in-memory table for the run.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { queryGroups } from "../../lambda/catalogue/groups/index.ts";
import { createRuntime } from "../../lambda/collect/runtime.ts";
import { countableEnd } from "../../lambda/collect/windows.ts";
import { ConfigError, loadConfig } from "../../lambda/config/config.ts";
import { createLogger } from "../../lambda/lib/log.ts";
import { knownFamilies } from "../../lambda/serve/families.ts";
import { createStore, createTable } from "../../lambda/store/table.ts";
import { startDynalite } from "../dynalite.ts";
import { BackfillError, backfillSamples } from "./collect.ts";
import { renderBackfill } from "./render.ts";

const usage =
  "usage: npm run backfill -- --from <ISO time or Unix seconds> --to <time> [--zones a.com,b.com] [--groups http-requests-1m,...] --out <file>";

const time = (flag: string) =>
  z.string({ error: `${flag} is required` }).transform((value, ctx) => {
    const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
    if (Number.isNaN(ms)) {
      ctx.addIssue({
        code: "custom",
        message: `${flag} must be an ISO 8601 time or Unix seconds, not "${value}"`,
      });
      return z.NEVER;
    }
    return Math.floor(ms / 60_000) * 60; // whole minutes
  });
const list = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
const argsSchema = z.object({
  from: time("--from"),
  to: time("--to"),
  zones: list,
  groups: list,
  out: z.string({ error: "--out is required" }).min(1),
});

function progressBar(done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} requests`);
  if (done === total) process.stderr.write("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: "string" },
      to: { type: "string" },
      zones: { type: "string" },
      groups: { type: "string" },
      out: { type: "string" },
    },
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success)
    throw new BackfillError(`${parsed.error.issues.map((i) => i.message).join("; ")}\n${usage}`);
  const args = parsed.data;
  if (existsSync(".env")) process.loadEnvFile(".env");
  const config = loadConfig(process.env);
  const token = process.env.CLOUDFLARE_API_TOKEN?.trim();
  if (!token) throw new BackfillError("set CLOUDFLARE_API_TOKEN (a token that can read Analytics)");
  const settled = countableEnd(Date.now() / 1000, config.scrapeDelaySeconds);
  if (args.to <= args.from) throw new BackfillError("--to must be after --from");
  if (args.to > settled)
    throw new BackfillError(
      `--to reaches past ${new Date(settled * 1000).toISOString()}: newer minutes are still settling (SCRAPE_DELAY_SECONDS)`,
    );
  const unknown = args.groups.filter((name) => !queryGroups.some((g) => g.name === name));
  if (unknown.length > 0)
    throw new BackfillError(
      `unknown query groups: ${unknown.join(", ")} (known: ${queryGroups.map((g) => g.name).join(", ")})`,
    );
  const groups = queryGroups.filter((g) =>
    args.groups.length > 0
      ? args.groups.includes(g.name)
      : config.queryGroups.length === 0 || config.queryGroups.includes(g.name),
  );

  const scratch = await startDynalite();
  try {
    const store = createStore("backfill-discovery", { endpoint: scratch.endpoint });
    await createTable(store);
    const deps = createRuntime({
      config,
      token,
      store,
      clock: Date.now,
      logger: createLogger({ format: "json", level: "error" }),
      groups,
      snapshots: [],
    });
    const { minutes, targets } = await backfillSamples(deps, { ...args, groups, progress: progressBar });
    const rendered = renderBackfill(minutes, args, knownFamilies);
    await writeFile(args.out, rendered.text);
    console.error(
      `wrote ${args.out}: ${rendered.series} series, ${rendered.samples} samples, ${targets} zones or accounts, ${groups.length} query groups, ${deps.stats.graphqlRequests} GraphQL requests; next: promtool tsdb create-blocks-from openmetrics ${args.out} <data dir>`,
    );
  } finally {
    await scratch.close();
  }
}

try {
  await main();
} catch (error) {
  const known = error instanceof BackfillError || error instanceof ConfigError;
  console.error(`npm run backfill: ${known ? error.message : ((error as Error).stack ?? String(error))}`);
  process.exitCode = 1;
}
