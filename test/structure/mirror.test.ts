import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** A reader finds a module's tests where the module lives: test/<folder> for each lambda/<folder>. */
const folders = (root: string) =>
  readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

describe("tests mirror the source folders", () => {
  it("has a test folder for every folder of the Lambda code", () => {
    const tests = new Set(folders("test"));
    expect(folders("lambda").filter((folder) => !tests.has(folder))).toEqual([]);
  });
});
