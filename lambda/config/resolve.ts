import { type Config, type ConfigKey, configKeys, crossFieldRules, type KeySpec, keyNames } from "./keys.ts";

/**
 * Resolution of the settings, per key: runtime override → environment → default.
 * Pure: the environment and the overrides read in, the effective settings with each
 * value's source and every rejected input out. A rejected override falls back to the
 * environment's value (or the default): the same inputs give the same settings in every
 * process, so a fresh Lambda container runs what the old ones run.
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
  /** Rejected overrides: ignored, the environment's value (or the default) in force instead. */
  issues: ConfigIssue[];
  /** Rejected environment values: a deployment error, fatal to whoever loads them. */
  envIssues: ConfigIssue[];
}

/**
 * Bounds on what an override store may hand over (anyone who may write the store could
 * otherwise fill logs, series and /config): more keys than this, or a longer key, and the
 * whole set is refused as one issue under `overridesAsAWhole`; a longer value is refused
 * as its key's issue.
 */
export const overrideLimits = { keys: 100, keyLength: 256, valueLength: 4_096 };
/** The issue key of problems with the overrides as a whole (too many, unreadable). */
export const overridesAsAWhole = "(overrides)";

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

export function resolveConfig(input: { env: Env; overrides?: Overrides }): ResolvedConfig {
  const { base, envIssues } = environmentValues(input.env);
  const state: Resolution = {
    base,
    values: Object.fromEntries(keyNames.map((key) => [key, base[key]?.value])),
    sources: Object.fromEntries(keyNames.map((key) => [key, base[key]?.source ?? "default"])) as Record<
      ConfigKey,
      Source
    >,
    issues: [],
    overrideRaw: new Map(),
    source: input.overrides?.source ?? "ssm",
  };
  applyOverrides(state, input.overrides);
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
  values: Record<string, unknown>;
  sources: Record<ConfigKey, Source>;
  issues: ConfigIssue[];
  overrideRaw: Map<ConfigKey, string>;
  source: OverrideSource;
}

/** Defaults, then the environment on top (parsed); an invalid environment value is an issue and the default stays. */
function environmentValues(env: Env): {
  base: Record<string, { value: unknown; source: Source }>;
  envIssues: ConfigIssue[];
} {
  const base: Record<string, { value: unknown; source: Source }> = {};
  const envIssues: ConfigIssue[] = [];
  for (const key of keyNames) {
    const spec = configKeys[key];
    const fromEnv = env[spec.env]?.trim();
    // A fresh copy of a list for each resolution, as parsing its written form gave.
    const fallback: unknown = spec.defaultValue;
    base[key] = { value: Array.isArray(fallback) ? [...fallback] : fallback, source: "default" };
    if (fromEnv) {
      const parsed = parseValue(key, fromEnv);
      if (parsed.ok) base[key] = { value: parsed.value, source: "env" };
      else envIssues.push({ key, value: fromEnv, source: "env", rule: parsed.rule });
    }
  }
  return { base, envIssues };
}

/** A rejected override's key goes back to the environment's value (or the default). */
function fallBack(state: Resolution, key: ConfigKey): void {
  state.values[key] = state.base[key]?.value;
  state.sources[key] = state.base[key]?.source ?? "default";
}

function applyOverrides(state: Resolution, overrides: Overrides | undefined): void {
  const { issues, source } = state;
  for (const [name, raw] of boundedOverrides(overrides, issues)) {
    const key = keyFor(name);
    if (!key) {
      issues.push({ key: name, value: raw, source, rule: "no such setting" });
      continue;
    }
    if (!configKeys[key].overridable) {
      issues.push({ key, value: raw, source, rule: `only the environment (${configKeys[key].env}) sets it` });
      continue;
    }
    const parsed: Parsed =
      raw.length > overrideLimits.valueLength
        ? { ok: false, rule: `longer than ${overrideLimits.valueLength} characters` }
        : parseValue(key, raw);
    if (parsed.ok) {
      state.values[key] = parsed.value;
      state.sources[key] = source;
      state.overrideRaw.set(key, raw);
    } else {
      issues.push({ key, value: truncated(raw), source, rule: parsed.rule });
      fallBack(state, key);
    }
  }
}

/**
 * A broken rule between settings rejects every override involved in it (each back to the
 * environment's value), until no rule is broken by an override; a rule the environment's
 * values break on their own is a deployment error (reported by the caller).
 */
function rejectBrokenCombinations(state: Resolution): void {
  const { values, overrideRaw, issues, source } = state;
  for (let rejected = true; rejected; ) {
    rejected = false;
    for (const rule of crossFieldRules) {
      const involved = rule.keys.filter((key) => overrideRaw.has(key));
      if (rule.holds(values as Config) || involved.length === 0) continue;
      for (const key of involved) {
        issues.push({ key, value: overrideRaw.get(key) ?? "", source, rule: rule.message });
        overrideRaw.delete(key);
        fallBack(state, key);
      }
      rejected = true;
    }
  }
}

/** The overrides' entries, or none (and one issue) when there are too many or a key is too long. */
function boundedOverrides(overrides: Overrides | undefined, issues: ConfigIssue[]): [string, string][] {
  const entries = Object.entries(overrides?.values ?? {});
  const { keys, keyLength } = overrideLimits;
  if (entries.length <= keys && entries.every(([name]) => name.length <= keyLength)) return entries;
  issues.push({
    key: overridesAsAWhole,
    value: `${entries.length} keys`,
    source: overrides?.source ?? "ssm",
    rule: `more than ${keys} keys, or a key longer than ${keyLength} characters: none applied`,
  });
  return [];
}

const truncated = (value: string) =>
  value.length > overrideLimits.valueLength ? `${value.slice(0, shownLength)}…` : value;

/** How much of a rejected value a message shows: enough to recognise it, never a whole payload. */
const shownLength = 64;
/** Names that may hold a credential: their values are never shown, known setting or not. */
const credentialLike = /token|secret|passw|authori[sz]ation|credential|api.?key|private/i;

function withoutUserInfo(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  try {
    const url = new URL(value);
    if (!url.username && !url.password) return value;
    url.username = "";
    url.password = "";
    return url.toString();
  } catch {
    return value;
  }
}

/**
 * The part of a rejected value that may appear in a log line or message: only for known
 * settings whose name is not credential-like, without URL user-info, truncated. An unknown
 * key may be a secret pasted into the wrong place, so its value is never shown.
 */
export function shownValue(issue: ConfigIssue): string | undefined {
  if (!keyFor(issue.key) || credentialLike.test(issue.key)) return undefined;
  const value = withoutUserInfo(issue.value);
  return value.length > shownLength ? `${value.slice(0, shownLength)}…` : value;
}

/** One line per rejected input, naming the setting, the value when it may be shown, and the rule. */
export function describeIssue(issue: ConfigIssue): string {
  const spec = keyFor(issue.key) ? configKeys[keyFor(issue.key) as ConfigKey] : undefined;
  const name = issue.source === "env" ? (spec?.env ?? issue.key) : issue.key;
  const shown = shownValue(issue);
  return `${name}${shown === undefined ? "" : `=${JSON.stringify(shown)}`} (${issue.source}): ${issue.rule}`;
}
