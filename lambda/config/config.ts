import { type Config, type ConfigKey, configKeys, keyNames } from "./keys.ts";
import { describeIssue, type Env, resolveConfig } from "./resolve.ts";

/**
 * The one way every part of the system reads its settings. `loadConfig` resolves the
 * environment and the defaults (a bad environment value is a deployment error and
 * throws); `config/provider.ts` layers the runtime overrides on top.
 */
export type { Config, ConfigKey };

/** Environment variable for each key (the reference exporter's names where it has one). */
export const environmentNames = Object.fromEntries(
  keyNames.map((key) => [key, configKeys[key].env]),
) as Record<ConfigKey, string>;

/** Whether CF_ZONES lets a zone through (an empty list lets every zone through). */
export function zoneAllowed(config: Pick<Config, "cfZones">, zoneId: string): boolean {
  return config.cfZones.length === 0 || config.cfZones.includes(zoneId);
}

export class ConfigError extends Error {}

export function loadConfig(env: Env = process.env): Config {
  const resolved = resolveConfig({ env });
  if (resolved.envIssues.length > 0) {
    throw new ConfigError(`invalid configuration: ${resolved.envIssues.map(describeIssue).join("; ")}`);
  }
  return resolved.config;
}
