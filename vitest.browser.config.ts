import { defineConfig } from "vitest/config";

/**
 * `npm run test:browser`: the status page of `npm start` in headless Chromium (Debian
 * package `chromium`). A suite of its own, run after the others, so its exporter and
 * browser do not compete for CPU with the timing-bounded tests of `npm test`.
 */
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 150_000,
  },
});
