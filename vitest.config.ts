import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The Prometheus and browser suites have commands of their own (npm run test:e2e, test:browser).
    exclude: ["test/e2e/**", "test/browser/**", "node_modules/**"],
    // Loopback servers and a 2.8 MB schema per worker: a generous ceiling, not a timing assertion.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One file per core: vitest's default leaves one of CI's two cores to its own light
    // main process, which ran the whole suite one file at a time.
    maxWorkers: 2,
  },
});
