import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The Prometheus suite has a command of its own (npm run test:e2e).
    exclude: ["test/e2e/**", "node_modules/**"],
    // Loopback servers and a 2.8 MB schema per worker: a generous ceiling, not a timing assertion.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
