import { spawnSync } from "node:child_process";
import { type Browser, chromium } from "playwright-core";

/**
 * Debian's Chromium (package `chromium`), driven by playwright-core. Like Prometheus for
 * the e2e suite it comes from the system, so a machine without it fails loudly rather than
 * skipping: a skipped browser test looks like a passing one.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function requireChromium(): void {
  const probe = spawnSync(chromiumPath, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0)
    throw new Error(
      `Chromium is not installed at ${chromiumPath}: run \`sudo apt-get update && sudo apt-get install -y chromium\` (Debian package), or set CHROMIUM_PATH`,
    );
}

/** Headless, offline, with a fresh profile (playwright gives each launch its own). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
