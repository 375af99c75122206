/**
 * Where a fetcher minute's CPU goes: `node bench/profile-collect.ts [zones] [steady|cold] [steadyCycles]`
 * runs bench/collect.ts `measureCollect` (the simulator and DynamoDB in processes of their
 * own) and profiles only the runs of that kind; prints the functions with the most self and
 * inclusive time, every run's CPU, and a digest of every state item stored (same inputs, same digest: a
 * change that only saves CPU leaves it as it was). `--out FILE` keeps the .cpuprofile.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { measureCollect } from "./collect.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [zonesArg = "100", kind = "steady", cyclesArg = "2"] = process.argv
  .slice(2)
  .filter((a) => !a.startsWith("--"));
const outAt = process.argv.indexOf("--out");
const out = outAt > 0 ? process.argv[outAt + 1] : undefined;

async function startStore() {
  const child = spawn(process.execPath, [new URL("./dynalite-process.ts", import.meta.url).pathname], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout ?? child, "data")) as [Buffer];
  return { endpoint: (JSON.parse(line.toString()) as { endpoint: string }).endpoint, child };
}

const frameName = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(lambda|bench|local|node_modules)\//, "$1/");
  return `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
};

/** Self and inclusive milliseconds by function (a function counted once per stack for inclusive). */
function aggregate(profiles: readonly Profile[]) {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    profile.samples.forEach((id, i) => {
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      const node = byId.get(id);
      if (!node || node.callFrame.functionName === "(idle)") return;
      total += ms;
      const name = frameName(node);
      self.set(name, (self.get(name) ?? 0) + ms);
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = byId.get(at);
        if (!frame) break;
        const key = frameName(frame);
        if (seen.has(key)) continue;
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
      }
    });
  }
  return { self, inclusive, total };
}

const top = (map: Map<string, number>, n: number, runs: number) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => `${(ms / runs).toFixed(1).padStart(8)} ms  ${name}`)
    .join("\n");

const store = await startStore();
const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 200 });
const profiles: Profile[] = [];
/** Every run's CPU (ms), profiled or not: `none` as the kind profiles nothing. */
const cycles: string[] = [];
try {
  const measured = await measureCollect(Number(zonesArg), store.endpoint, {
    steadyCycles: Number(cyclesArg),
    compare: false,
    around: async (cycle, run) => {
      const profiled = cycle === kind;
      if (profiled) await session.post("Profiler.start");
      const before = process.cpuUsage();
      const result = await run();
      const cpu = process.cpuUsage(before);
      cycles.push(`${cycle} ${((cpu.user + cpu.system) / 1000).toFixed(0)}`);
      if (profiled) {
        const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: Profile };
        profiles.push(profile);
      }
      return result;
    },
  });
  const { createStore } = await import("../lambda/store/table.ts");
  const { ScanCommand } = await import("@aws-sdk/lib-dynamodb");
  const table = createStore(measured.tableName, { endpoint: store.endpoint });
  const digest = createHash("sha256");
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.client.send(
      new ScanCommand({ TableName: measured.tableName, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  const state = items
    .filter((item) => String(item.sk).startsWith("SERIES#"))
    .map(
      (item) =>
        `${item.pk} ${item.sk} ${item.seq} ${Buffer.from(item.data as Uint8Array).toString("base64")}`,
    )
    .sort();
  for (const line of state) digest.update(`${line}\n`);
  const { self, inclusive, total } = aggregate(profiles);
  const runs = Math.max(1, profiles.length);
  console.log(`CPU ms of each run: ${cycles.join(", ")}; ${kind} runs profiled: ${profiles.length}`);
  console.log(`sampled ms per run: ${(total / runs).toFixed(1)}`);
  console.log(`\nself (ms per run):\n${top(self, 30, runs)}`);
  console.log(`\ninclusive (ms per run):\n${top(inclusive, 45, runs)}`);
  console.log(`\nstate items: ${state.length}, digest ${digest.digest("hex")}`);
  if (out && profiles[0]) writeFileSync(out, JSON.stringify(profiles[0]));
} finally {
  session.disconnect();
  store.child.stdin?.end();
}
