import { type Config, type ConfigKey, configKeys, crossFieldRules, type KeySpec, keyNames } from "./keys.ts";

/**
 * Resolution of the settings, per key: runtime override → environment → default.
 * Pure: the environment, the overrides read and the previous resolution in, the effective
 * settings with each value's source and every rejected input out.
 */
export type Env = Readonly<Record<string, string | undefined>>;
/** `ssm` in AWS; `file` for local mode's stand-in (a JSON file under the data directory). */
export type OverrideSource = "ssm" | "file";
export type Source = OverrideSource | "env" | "default";

export interface ConfigIssue {
  /** The setting's key (or the unknown name that was given). */
  key: string;
  value: string;
  source: OverrideSource | "env";
  /** The rule that was broken, in words. */
  rule: string;
}

export interface ResolvedConfig {
  config: Config;
  sources: Record<ConfigKey, Source>;
  /** Rejected overrides: ignored, the last valid value kept. */
  issues: ConfigIssue[];
  /** Rejected environment values: a deployment error, fatal to whoever loads them. */
  envIssues: ConfigIssue[];
}

export interface Overrides {
  source: OverrideSource;
  /** Parameter name (a key such as `scrapeDelaySeconds`, or its environment name) → value. */
  values: Readonly<Record<string, string>>;
}

const byEnvName = new Map<string, ConfigKey>(keyNames.map((key) => [configKeys[key].env, key]));

export function keyFor(name: string): ConfigKey | undefined {
  if (Object.hasOwn(configKeys, name)) return name as ConfigKey;
  return byEnvName.get(name.trim().toUpperCase());
}

type Parsed = { ok: true; value: unknown } | { ok: false; rule: string };

export function parseValue(key: ConfigKey, raw: string): Parsed {
  const spec = configKeys[key] as KeySpec<unknown>;
  const result = spec.schema.safeParse(raw.trim());
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, rule: result.error.issues.map((issue) => issue.message).join("; ") };
}

export function resolveConfig(input: {
  env: Env;
  overrides?: Overrides;
  previous?: ResolvedConfig;
}): ResolvedConfig {
  const { env, overrides, previous } = input;
  const { base, envIssues } = environmentValues(env);
  const state: Resolution = {
    base,
    previous,
    values: Object.fromEntries(keyNames.map((key) => [key, base[key]?.value])),
    sources: Object.fromEntries(keyNames.map((key) => [key, base[key]?.source ?? "default"])) as Record<
      ConfigKey,
      Source
    >,
    issues: [],
    overrideRaw: new Map(),
  };
  applyOverrides(state, overrides);
  rejectBrokenCombinations(state);
  for (const rule of crossFieldRules) {
    if (rule.holds(state.values as Config)) continue;
    const shown = rule.keys.map((key) => `${configKeys[key].env}=${String(state.values[key])}`).join(", ");
    envIssues.push({ key: rule.keys[0] ?? "", value: shown, source: "env", rule: rule.message });
  }
  return { config: state.values as Config, sources: state.sources, issues: state.issues, envIssues };
}

/** A resolution under way: the values so far, where each came from, and what was rejected. */
interface Resolution {
  base: Record<string, { value: unknown; source: Source }>;
  previous: ResolvedConfig | undefined;
  values: Record<string, unknown>;
  sources: Record<ConfigKey, Source>;
  issues: ConfigIssue[];
  overrideRaw: Map<ConfigKey, string>;
}

/** Defaults, then the environment on top; an invalid environment value is an issue and the default stays. */
function environmentValues(env: Env): {
  base: Record<string, { value: unknown; source: Source }>;
  envIssues: ConfigIssue[];
} {
  const base: Record<string, { value: unknown; source: Source }> = {};
  const envIssues: ConfigIssue[] = [];
  for (const key of keyNames) {
    const spec = configKeys[key];
    const fromEnv = env[spec.env]?.trim();
    const defaults = parseValue(key, spec.fallback);
    if (!defaults.ok) throw new Error(`the default of ${key} is invalid: ${defaults.rule}`);
    base[key] = { value: defaults.value, source: "default" };
    if (fromEnv) {
      const parsed = parseValue(key, fromEnv);
      if (parsed.ok) base[key] = { value: parsed.value, source: "env" };
      else envIssues.push({ key, value: fromEnv, source: "env", rule: parsed.rule });
    }
  }
  return { base, envIssues };
}

function keepLastValid(state: Resolution, key: ConfigKey): void {
  const { previous, base } = state;
  const last = previous && previous.sources[key] !== "env" && previous.sources[key] !== "default";
  state.values[key] = last ? previous.config[key] : base[key]?.value;
  state.sources[key] = last ? previous.sources[key] : (base[key]?.source ?? "default");
}

function applyOverrides(state: Resolution, overrides: Overrides | undefined): void {
  for (const [name, raw] of Object.entries(overrides?.values ?? {})) {
    const source = overrides?.source ?? "ssm";
    const key = keyFor(name);
    if (!key) {
      state.issues.push({ key: name, value: raw, source, rule: "no such setting" });
      continue;
    }
    if (!configKeys[key].overridable) {
      state.issues.push({
        key,
        value: raw,
        source,
        rule: `only the environment (${configKeys[key].env}) sets it`,
      });
      continue;
    }
    const parsed = parseValue(key, raw);
    if (parsed.ok) {
      state.values[key] = parsed.value;
      state.sources[key] = source;
      state.overrideRaw.set(key, raw);
    } else {
      state.issues.push({ key, value: raw, source, rule: parsed.rule });
      keepLastValid(state, key);
    }
  }
}

/**
 * A broken rule between settings rejects the overrides involved, those that changed
 * since the last valid resolution first; then, if the last valid values combined with
 * the rest still break a rule, the environment's values apply to its keys.
 */
function rejectBrokenCombinations(state: Resolution): void {
  const { previous, values, sources, overrideRaw } = state;
  const reject = (key: ConfigKey, message: string) => {
    const raw = overrideRaw.get(key);
    if (raw === undefined) return;
    state.issues.push({ key, value: raw, source: sources[key] as OverrideSource, rule: message });
    overrideRaw.delete(key);
    keepLastValid(state, key);
  };
  for (const rule of crossFieldRules) {
    const involved = rule.keys.filter((key) => overrideRaw.has(key));
    const changed = involved.filter(
      (key) => !previous || JSON.stringify(previous.config[key]) !== JSON.stringify(values[key]),
    );
    for (const group of [changed, involved]) {
      if (rule.holds(values as Config)) break;
      for (const key of group) reject(key, rule.message);
    }
  }
  for (const rule of crossFieldRules) {
    if (rule.holds(values as Config)) continue;
    for (const key of rule.keys) {
      values[key] = state.base[key]?.value;
      sources[key] = state.base[key]?.source ?? "default";
    }
  }
}

/** One line per rejected input, naming the setting, the value and the rule. */
export function describeIssue(issue: ConfigIssue): string {
  const spec = keyFor(issue.key) ? configKeys[keyFor(issue.key) as ConfigKey] : undefined;
  const name = issue.source === "env" ? (spec?.env ?? issue.key) : issue.key;
  return `${name}=${JSON.stringify(issue.value)} (${issue.source}): ${issue.rule}`;
}
