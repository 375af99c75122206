import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConfigProvider, fileOverrides } from "../../lambda/config/provider.ts";
import { memoryLogger } from "../../lambda/lib/log.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "override-hardening-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function resolveFile(name: string, content: string, env: Record<string, string> = {}) {
  const file = join(dir, name);
  await writeFile(file, content);
  const logger = memoryLogger();
  const provider = createConfigProvider({ env, overrides: fileOverrides(file), logger });
  const resolved = await provider.current();
  return { resolved, logger, provider };
}

describe("no override value of a credential-like or unknown key reaches a log line", () => {
  it("logs the key and the rule, never the value; known keys' values truncated", async () => {
    const secret = "v1.0-0123456789abcdef0123456789abcdef-secretpart";
    const { logger, resolved } = await resolveFile(
      "secret.json",
      JSON.stringify({
        CLOUDFLARE_API_TOKEN: secret,
        scrapeBearerToken: secret,
        scrapeDelaySeconds: `${"9".repeat(500)}x`,
      }),
    );
    expect(resolved.issues.map((issue) => issue.key)).toEqual([
      "CLOUDFLARE_API_TOKEN",
      "scrapeBearerToken",
      "scrapeDelaySeconds",
    ]);
    const lines = logger.lines.map((line) => JSON.stringify(line));
    expect(lines.filter((line) => line.includes("secretpart"))).toEqual([]);
    expect(logger.lines).toEqual([
      {
        level: "warn",
        message: "config override ignored: CLOUDFLARE_API_TOKEN (file): no such setting",
        key: "CLOUDFLARE_API_TOKEN",
        source: "file",
        rule: "no such setting",
      },
      {
        level: "warn",
        message: "config override ignored: scrapeBearerToken (file): no such setting",
        key: "scrapeBearerToken",
        source: "file",
        rule: "no such setting",
      },
      {
        level: "warn",
        message: `config override ignored: scrapeDelaySeconds="${"9".repeat(64)}…" (file): must be a whole number`,
        key: "scrapeDelaySeconds",
        value: `${"9".repeat(64)}…`,
        source: "file",
        rule: "must be a whole number",
      },
    ]);
  });
});
