import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * `npm start` as a child process (in its own process group, so a SIGKILL reaches node and
 * not only npm), with its output lines collected and awaitable.
 */
export interface LocalExporter {
  lines: Record<string, unknown>[];
  stderr: string[];
  waitFor(match: (line: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>>;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

export function startLocalExporter(env: Record<string, string>, cwd = process.cwd()): LocalExporter {
  const child: ChildProcess = spawn("npm", ["start", "--silent"], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_FORMAT: "json", ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters: {
    match: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }[] = [];
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  if (child.stdout)
    createInterface({ input: child.stdout }).on("line", (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { message: text };
      }
      lines.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.match(line)) waiter.resolve(line);
        else waiters.push(waiter);
      }
    });
  if (child.stderr) createInterface({ input: child.stderr }).on("line", (text) => stderr.push(text));

  return {
    lines,
    stderr,
    exited,
    waitFor(match, what) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        void exited.then(() => {
          if (!lines.some(match))
            reject(new Error(`npm start exited (${exitCode}) before ${what}; stderr: ${stderr.join("\n")}`));
        });
      });
    },
    kill(signal) {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          // already gone
        }
      }
    },
  };
}

/** Parses a Prometheus text body into sample key (`name{labels}`, as printed) → value. */
export function parseSamples(body: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of body.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}
