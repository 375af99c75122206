import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseSync } from "@swc/core";

/**
 * Sizes the house rules bound: lines per source file under lambda/ and lines per function.
 * Parsed with swc (TypeScript 7 has no compiler API yet), so a function is what the parser
 * says it is: declarations, methods, arrows and function expressions.
 */
export const root = new URL("../../", import.meta.url).pathname;

export function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(folder, file))
    .sort();
}

export function lineCount(file: string): number {
  return readFileSync(join(root, file), "utf8").trimEnd().split("\n").length;
}

export interface FunctionSize {
  file: string;
  name: string;
  line: number;
  lines: number;
}

const functionTypes = new Set([
  "FunctionDeclaration",
  "FunctionExpression",
  "ArrowFunctionExpression",
  "ClassMethod",
  "MethodProperty",
]);

export function functionSizes(file: string): FunctionSize[] {
  const text = readFileSync(join(root, file), "utf8");
  // swc's byte offsets run on across parses, and a module's span starts at its first token:
  // a statement put before the text marks where its first byte is.
  const marked = `0;\n${text}`;
  const module = parseSync(marked, { syntax: "typescript" });
  const base = module.span.start;
  const bytes = Buffer.from(marked, "utf8");
  const lineAt = (offset: number) =>
    bytes
      .subarray(0, offset - base)
      .toString("utf8")
      .split("\n").length - 1;
  const sizes: FunctionSize[] = [];
  const visit = (node: unknown, name: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, name);
      return;
    }
    if (!node || typeof node !== "object") return;
    const record = node as Record<string, unknown> & { type?: string; span?: { start: number; end: number } };
    const here = nameOf(record) ?? name;
    if (record.type && functionTypes.has(record.type) && record.span) {
      const line = lineAt(record.span.start);
      sizes.push({
        file: relative(root, join(root, file)),
        name: here,
        line,
        lines: lineAt(record.span.end) - line + 1,
      });
    }
    for (const [key, value] of Object.entries(record)) if (key !== "span") visit(value, here);
  };
  visit(module.body, "(module)");
  return sizes;
}

function nameOf(node: Record<string, unknown>): string | undefined {
  for (const key of ["identifier", "key", "id"]) {
    const value = node[key] as { value?: unknown } | undefined;
    if (value && typeof value.value === "string") return value.value;
  }
  return undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of sourceFiles("lambda")) {
    const lines = lineCount(file);
    if (lines > 300) console.log(`file ${file}: ${lines} lines`);
    for (const f of functionSizes(file))
      if (f.lines > 60) console.log(`function ${f.file}:${f.line} ${f.name}: ${f.lines} lines`);
  }
}
