import { defineConfig } from "vitest/config";

/** `npm run test:e2e`: the exporter scraped by a real Prometheus (Debian package `prometheus`). */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
