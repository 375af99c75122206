import { describe, expect, it } from "vitest";
import { queryGroups } from "../../lambda/catalogue/groups/index.ts";
import { selectionOf } from "../../lambda/catalogue/query-group.ts";

/** Field paths of a GraphQL selection (`a { b c }` → a.b, a.c), in the order written. */
function paths(selection: string): string[] {
  const tokens = selection.match(/[A-Za-z_][A-Za-z0-9_]*|[{}]/g) ?? [];
  const out: string[] = [];
  const stack: string[] = [];
  let last = "";
  for (const token of tokens) {
    if (token === "{") {
      out.pop();
      stack.push(last);
    } else if (token === "}") stack.pop();
    else {
      last = token;
      out.push([...stack, token].join("."));
    }
  }
  return out;
}

describe("each group's GraphQL selection and its row schema", () => {
  it.each(queryGroups.map((group) => [group.name, group] as const))(
    "%s asks for what it parses",
    (_, group) => {
      expect(paths(group.selection).sort()).toEqual(paths(selectionOf(group.rowSchema)).sort());
    },
  );

  it("a selection that drifts from its schema fails the comparison", () => {
    expect(paths("dimensions { datetimeMinute host } count").sort()).not.toEqual(
      paths("dimensions { datetimeMinute } count").sort(),
    );
    expect(paths("sum { requests bytes } count")).toEqual(["sum.requests", "sum.bytes", "count"]);
  });
});
