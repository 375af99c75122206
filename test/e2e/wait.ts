import { createConnection, createServer } from "node:net";

/**
 * Waiting for conditions instead of sleeping: every wait has a generous deadline (a loaded
 * 2-core machine is slow, not broken) and says what it waited for when it runs out.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 90_000, intervalMs = 250 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error; // e.g. Prometheus still starting: keep polling
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${
          lastError
            ? ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`
            : ""
        }`,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * A port that was free a moment ago, on 127.0.0.1. The exporter's port must be fixed
 * (Prometheus scrapes one target across the restart), so it cannot be 0.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port assigned");
  return address.port;
}

/** Whether something accepts connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export const nowSeconds = () => Date.now() / 1000;

/**
 * `promise`, or a failure naming what did not happen within `timeoutMs` and what the process
 * printed last (the helpers in test/local wait without a deadline).
 */
export async function within<T>(
  promise: Promise<T>,
  what: string,
  lastLines: () => unknown[],
  timeoutMs = 120_000,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `timed out after ${timeoutMs / 1000} s waiting for ${what}; last output:\n${lastLines()
              .slice(-10)
              .map((line) => JSON.stringify(line))
              .join("\n")}`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
