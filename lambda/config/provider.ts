import { readFile } from "node:fs/promises";
import { type AwsJsonCall, awsJsonClient } from "../lib/aws-json.ts";
import type { Logger } from "../lib/log.ts";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import { ConfigError } from "./config.ts";
import {
  type ConfigIssue,
  describeIssue,
  type Env,
  type OverrideSource,
  overridesAsAWhole,
  type ResolvedConfig,
  resolveConfig,
  shownValue,
} from "./resolve.ts";

/**
 * The settings in force: the environment plus the runtime overrides, re-read when their
 * cache expires. An override that breaks a rule is logged and ignored; the environment's
 * value (or the default) is in force instead, in this process and in every other one,
 * and `issues` carries it to `cloudflare_exporter_config_errors`.
 */
export interface OverrideReader {
  source: OverrideSource;
  /** Where the overrides live, for messages. */
  location: string;
  read(): Promise<Record<string, string>>;
}

/** The key of the issue that reports overrides which could not be read at all. */
export const unreadableOverrides = overridesAsAWhole;

/**
 * A JSON object of strings, every own key kept: `__proto__` included, so it is reported
 * like any unknown key instead of vanishing into the prototype.
 */
const overrideEntries = once(() => z.array(z.tuple([z.string(), z.string()])));
export function overrideValues(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error("expected a JSON object of strings");
  return Object.fromEntries(overrideEntries().parse(Object.entries(value)));
}

const parametersPage = once(() =>
  z.object({
    Parameters: z.optional(z.array(z.object({ Name: z.string(), Value: z.string() }))),
    NextToken: z.optional(z.string()),
  }),
);

/**
 * SSM parameters directly under `path`, read with one paginated GetParametersByPath (not
 * decrypted: overrides are plain String parameters) and cached for `maxAgeSeconds`.
 */
export function ssmOverrides(
  path: string,
  options: { call?: AwsJsonCall; env?: Env; maxAgeSeconds: number; clock?: () => number },
): OverrideReader {
  const normalized = path.replace(/\/+$/, "");
  const call = options.call ?? awsJsonClient("ssm", { env: options.env ?? process.env });
  const clock = options.clock ?? Date.now;
  let cached: { values: Record<string, string>; until: number } | undefined;
  return {
    source: "ssm",
    location: `${normalized}/`,
    async read() {
      const now = clock();
      if (cached && now < cached.until) return cached.values;
      const entries: [string, string][] = [];
      let nextToken: string | undefined;
      do {
        const page = parametersPage().parse(
          await call("GetParametersByPath", {
            Path: normalized,
            Recursive: false,
            WithDecryption: false,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        for (const parameter of page.Parameters ?? [])
          entries.push([parameter.Name.slice(normalized.length).replace(/^\//, ""), parameter.Value]);
        nextToken = page.NextToken;
      } while (nextToken);
      // Own keys, `__proto__` too: it is reported as an unknown key rather than lost.
      const values = overrideValues(Object.fromEntries(entries));
      if (options.maxAgeSeconds > 0) cached = { values, until: now + options.maxAgeSeconds * 1000 };
      return values;
    },
  };
}

/** Local mode's stand-in for SSM: a JSON object of key → string value. A missing file is no overrides. */
export function fileOverrides(file: string): OverrideReader {
  return {
    source: "file",
    location: file,
    async read() {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
        throw error;
      }
      return overrideValues(JSON.parse(text));
    },
  };
}

/** The override reader the environment names: `CONFIG_PARAMETER_PATH` (AWS) or `CONFIG_OVERRIDES_FILE` (local). */
export function overridesFromEnvironment(env: Env, maxAgeSeconds: number): OverrideReader | undefined {
  if (env.CONFIG_PARAMETER_PATH) return ssmOverrides(env.CONFIG_PARAMETER_PATH, { env, maxAgeSeconds });
  if (env.CONFIG_OVERRIDES_FILE) return fileOverrides(env.CONFIG_OVERRIDES_FILE);
  return undefined;
}

export interface ConfigProvider {
  current(): Promise<ResolvedConfig>;
}

export function createConfigProvider(options: {
  env: Env;
  overrides?: OverrideReader;
  logger: Logger;
}): ConfigProvider {
  const { env, overrides, logger } = options;
  let lastRead: Record<string, string> = {};
  let logged = "";

  return {
    async current() {
      let readIssue: ConfigIssue | undefined;
      if (overrides) {
        try {
          lastRead = await overrides.read();
        } catch (error) {
          // Keep the overrides last read: a throttled or unreadable store must not undo them.
          readIssue = {
            key: unreadableOverrides,
            value: overrides.location,
            source: overrides.source,
            rule: `could not be read: ${error instanceof Error ? error.message : String(error)}`,
          };
        }
      }
      const resolved = resolveConfig({
        env,
        ...(overrides ? { overrides: { source: overrides.source, values: lastRead } } : {}),
      });
      if (resolved.envIssues.length > 0) {
        throw new ConfigError(`invalid configuration: ${resolved.envIssues.map(describeIssue).join("; ")}`);
      }
      if (readIssue) resolved.issues.push(readIssue);
      const signature = JSON.stringify(resolved.issues);
      if (signature !== logged) {
        for (const issue of resolved.issues) {
          const shown = shownValue(issue);
          logger.warn(`config override ignored: ${describeIssue(issue)}`, {
            key: issue.key,
            ...(shown === undefined ? {} : { value: shown }),
            source: issue.source,
            rule: issue.rule,
          });
        }
        logged = signature;
      }
      return resolved;
    },
  };
}

/** A provider of fixed settings, for tests and tools. */
export function staticConfigProvider(env: Env = {}): ConfigProvider {
  const resolved = resolveConfig({ env });
  if (resolved.envIssues.length > 0) {
    throw new ConfigError(`invalid configuration: ${resolved.envIssues.map(describeIssue).join("; ")}`);
  }
  return { current: async () => resolved };
}
