import { describe, expect, it } from "vitest";
import { functionSizes, lineCount, sourceFiles } from "./sizes.ts";

/** The house rules: files under lambda/ under 300 lines, functions under 60, except data tables. */
const dataTables = new Map([
  // Every setting's environment name, parser, default and description: one entry each, no logic.
  ["lambda/config/keys.ts", "the settings table"],
]);

describe("sizes of the Lambda code", () => {
  const files = sourceFiles("lambda");

  it("keeps every source file under 300 lines, data tables aside", () => {
    const long = files.filter((file) => lineCount(file) > 300);
    expect(long).toEqual([...dataTables.keys()]);
  });

  it("keeps every function under 60 lines", () => {
    const long = files.flatMap(functionSizes).filter((f) => f.lines > 60);
    expect(long).toEqual([]);
  });

  it("measures functions as the parser sees them", () => {
    const sizes = functionSizes("lambda/cloudflare/errors.ts");
    const label = sizes.find((f) => f.name === "errorLabel");
    expect(label).toMatchObject({ file: "lambda/cloudflare/errors.ts", lines: 3 });
  });
});
