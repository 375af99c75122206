import { type ConfigKey, configKeys, keyNames } from "./keys.ts";
import type { OverrideStore } from "./override-store.ts";
import { describeIssue, type Env, keyFor, parseValue, resolveConfig } from "./resolve.ts";

/**
 * `npm run config -- list | get KEY | set KEY VALUE | unset KEY`. A value is checked
 * with the exporter's own rules before it is written, so a typo is refused here rather
 * than ignored by the exporter later.
 */
export interface CliDeps {
  store: OverrideStore;
  /** The environment the exporter sees, as far as this machine knows it. */
  env: Env;
  out: (line: string) => void;
  err: (line: string) => void;
}

export const usage = [
  "usage: npm run config -- <command>",
  "  list              every setting: effective value and source",
  "  get KEY           one setting",
  "  set KEY VALUE     validate VALUE and write it as an override",
  "  unset KEY         remove the override (the environment or default applies again)",
  "KEY is a setting's key (scrapeDelaySeconds) or its environment name (SCRAPE_DELAY_SECONDS).",
  "Overrides go to SSM under --ssm-path (or CONFIG_PARAMETER_PATH), else to local mode's file.",
].join("\n");

const show = (value: unknown) => (Array.isArray(value) ? value.join(",") : String(value));

export async function runConfigCli(args: readonly string[], deps: CliDeps): Promise<number> {
  const { store, env, out, err } = deps;
  const [command, name, ...rest] = args;
  const key = name === undefined ? undefined : keyFor(name);
  const needsKey = command === "get" || command === "set" || command === "unset";
  if (needsKey && !key) {
    err(name === undefined ? usage : `unknown setting ${JSON.stringify(name)}; run "list" to see them all`);
    return 2;
  }

  const overrides = await store.list();
  const resolved = resolveConfig({ env, overrides: { source: store.source, values: overrides } });

  switch (command) {
    case "list": {
      out(`overrides: ${store.location}`);
      for (const k of keyNames)
        out(`${k.padEnd(30)} ${show(resolved.config[k]).padEnd(40)} ${resolved.sources[k]}`);
      for (const issue of resolved.issues) out(`ignored: ${describeIssue(issue)}`);
      return 0;
    }
    case "get": {
      if (!key) return 2;
      out(`${show(resolved.config[key])} (${resolved.sources[key]})`);
      for (const issue of resolved.issues.filter((i) => i.key === key))
        out(`ignored: ${describeIssue(issue)}`);
      return 0;
    }
    case "set":
      return key ? setOverride(key, rest, overrides, deps) : 2;
    case "unset": {
      if (!key) return 2;
      const removed = await store.unset(key);
      out(removed ? `${key}: override removed` : `${key}: there was no override`);
      return 0;
    }
    default:
      err(usage);
      return 2;
  }
}

/** Checks a value (alone, then with the other overrides) before it is written. */
async function setOverride(
  key: ConfigKey,
  rest: readonly string[],
  overrides: Record<string, string>,
  deps: CliDeps,
): Promise<number> {
  const { store, env, out, err } = deps;
  const value = rest.join(" ").trim();
  if (rest.length === 0) {
    err(usage);
    return 2;
  }
  if (!configKeys[key].overridable) {
    err(`refused: ${key} is set by the deployment only (${configKeys[key].env}); it cannot be overridden`);
    return 1;
  }
  const parsed = parseValue(key, value);
  if (!parsed.ok) {
    err(`refused: ${key}=${JSON.stringify(value)}: ${parsed.rule}`);
    return 1;
  }
  const after = resolveConfig({
    env,
    overrides: { source: store.source, values: { ...overrides, [key]: value } },
  });
  const broken = after.issues.find((issue) => issue.key === key);
  if (broken) {
    err(`refused: ${key}=${JSON.stringify(value)}: ${broken.rule}`);
    return 1;
  }
  await store.set(key, value);
  out(
    `${key} = ${show(parsed.value)} (written to ${store.source === "ssm" ? store.location + key : store.location})`,
  );
  return 0;
}
