/**
 * `node bench/scrape.ts PATH [RENDER …]`: the bench's 100-zone scrape alone (what
 * `scrape200k*` in bench/main.ts measures), cold then warm, against the table
 * `node bench/serve-table.ts PATH` wrote. Each case gets a copy of PATH served by a
 * dynalite process of its own (a warm case writes to its copy), and runs `RENDER` (a
 * bench/render.ts; default this one: another checkout's gives its code's figures in the
 * same run) with the serve function's heap limits, in a function's environment
 * (bench/function-env.ts). `SCRAPE_NODE_FLAGS` adds flags to the
 * measured process (for example `--cpu-prof --cpu-prof-dir=DIR`). Prints one JSON object
 * per render script.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveNodeOptions } from "../lib/serving.ts";
import { functionEnv } from "./function-env.ts";
import { renderScript } from "./render.ts";

const [path, ...renders] = process.argv.slice(2);
if (!path) throw new Error("usage: scrape.ts PATH [RENDER …]");
const serveTable = fileURLToPath(new URL("./serve-table.ts", import.meta.url));
const extraFlags = (process.env.SCRAPE_NODE_FLAGS ?? "").split(" ").filter(Boolean);

async function served(copy: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [serveTable, copy, "--serve"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout ?? child, "data")) as [Buffer];
  return { endpoint: (JSON.parse(line.toString()) as { endpoint: string }).endpoint, child };
}

async function scrapeCase(render: string, warm: boolean): Promise<unknown> {
  const copy = mkdtempSync(join(tmpdir(), "scrape-"));
  cpSync(path as string, copy, { recursive: true });
  const store = await served(copy);
  try {
    const args = [
      ...serveNodeOptions.split(" "),
      ...extraFlags,
      render,
      "serve",
      store.endpoint,
      "bench-100",
    ];
    const out = execFileSync(process.execPath, warm ? [...args, "warm"] : args, {
      encoding: "utf8",
      env: functionEnv(),
    });
    return JSON.parse(out.trim().split("\n").pop() ?? "{}");
  } finally {
    store.child.kill();
    await once(store.child, "exit");
    rmSync(copy, { recursive: true, force: true });
  }
}

for (const render of renders.length > 0 ? renders : [renderScript]) {
  const cold = await scrapeCase(render, false);
  const warm = await scrapeCase(render, true);
  console.log(JSON.stringify({ render, cold, warm }));
}
