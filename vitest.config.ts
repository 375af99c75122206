import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Loopback servers and a 2.8 MB schema per worker: a generous ceiling, not a timing assertion.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
