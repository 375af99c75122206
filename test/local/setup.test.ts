import { describe, expect, it } from "vitest";
import { parsePort, parseSeconds } from "../../local/setup.ts";

describe("local mode's own settings", () => {
  it("name the setting that is wrong", () => {
    expect(() => parseSeconds("SCHEDULE_SECONDS", "soon", 60)).toThrow(
      'SCHEDULE_SECONDS must be a whole number of seconds (1–86400), got "soon"',
    );
    expect(() => parseSeconds("SCHEDULE_SECONDS", "0", 60)).toThrow("SCHEDULE_SECONDS must be");
    expect(() => parsePort("http", 9199)).toThrow('PORT must be a port number (0–65535), got "http"');
  });

  it("take the default when unset, and a valid value as given", () => {
    expect(parseSeconds("SCHEDULE_SECONDS", undefined, 60)).toBe(60);
    expect(parseSeconds("SCHEDULE_SECONDS", " 30 ", 60)).toBe(30);
    expect(parsePort("0", 9199)).toBe(0);
  });
});
