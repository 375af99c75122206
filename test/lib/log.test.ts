import { describe, expect, it } from "vitest";
import { createLogger } from "../../lambda/lib/log.ts";

describe("logging follows LOG_LEVEL and LOG_FORMAT", () => {
  it("writes JSON lines at or above the level, with secrets redacted", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "warn", write: (line) => lines.push(line) });
    logger.info("not written");
    logger.warn("written", { zone: "example.com", apiToken: "abc" });
    expect(lines).toEqual([
      '{"level":"warn","message":"written","zone":"example.com","apiToken":"[redacted]"}',
    ]);
  });

  it("writes one readable line per event in pretty format", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", format: "pretty", write: (line) => lines.push(line) });
    logger.child({ account: "Example Corp" }).debug("cycle", { minutes: 5, zones: ["a", "b"] });
    expect(lines).toEqual(['DEBUG cycle account=Example Corp minutes=5 zones=["a","b"]']);
  });
});
