import { defineConfig } from "vitest/config";

/** `npm run test:e2e`: the exporter scraped by a real Prometheus (Debian package `prometheus`). */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    // The suites wait on real minutes (npm start's schedule, a receiver outage), not on the
    // CPU: run the three files side by side rather than one after another (vitest's default
    // on a 2-core machine is one worker).
    maxWorkers: 3,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
