import { describe, expect, it } from "vitest";
import { configKeys, keyNames } from "../../lambda/config/keys.ts";
import { parseValue, resolveConfig } from "../../lambda/config/resolve.ts";

describe("each key's default", () => {
  it("is what its schema makes of the default's written form", () => {
    for (const key of keyNames)
      expect(parseValue(key, configKeys[key].fallback), key).toEqual({
        ok: true,
        value: configKeys[key].defaultValue,
      });
  });

  it("is a list of its own in every resolution", () => {
    const first = resolveConfig({ env: {} }).config;
    first.cfAccounts.push("0123456789abcdef0123456789abcdef");
    expect(resolveConfig({ env: {} }).config.cfAccounts).toEqual([]);
  });
});
