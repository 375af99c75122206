import { configKeys, keyNames } from "../../lambda/config/keys.ts";

/** The README's configuration table, generated from the key list (a test keeps the two equal). */
export function configTable(): string {
  const rows = keyNames.map((key) => {
    const spec = configKeys[key];
    const fallback = spec.fallback === "" ? "(empty)" : `\`${spec.fallback}\``;
    return `| \`${spec.env}\` | \`${key}\` | ${spec.type} | ${fallback} | ${spec.overridable ? "yes" : "no"} | ${spec.description} |`;
  });
  return [
    "| Environment variable | Key (SSM parameter name) | Type | Default | Override | Meaning |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
