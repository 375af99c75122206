import { spawn, spawnSync } from "node:child_process";

/**
 * The two Prometheus binaries the suite runs. They come from the Debian package, not from
 * npm, so a machine without them must fail loudly rather than skip: a skipped e2e suite
 * looks like a passing one.
 */
const install =
  "run `sudo apt-get update && sudo apt-get install -y prometheus` (Debian package), then npm run test:e2e";

export function requireTools(): void {
  for (const tool of ["prometheus", "promtool"]) {
    const probe = spawnSync(tool, ["--version"], { encoding: "utf8" });
    if (probe.error || probe.status !== 0)
      throw new Error(
        `${tool} is not installed${probe.error ? "" : ` (\`${tool} --version\` exited ${probe.status})`}: ${install}`,
      );
  }
}

/** `promtool check metrics` on an exposition given on stdin: its exit code and everything it printed. */
export function promtoolCheckMetrics(body: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
    child.stdin.end(body);
  });
}
