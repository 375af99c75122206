import { configKeys, keyNames } from "../config/keys.ts";
import { type ConfigIssue, keyFor, type ResolvedConfig, type Source } from "../config/resolve.ts";

/**
 * `GET /config`: every setting's effective value and where it came from, plus the
 * overrides that were rejected. Read-only; changes go through SSM, where IAM decides who
 * may make them. Credentials never appear: URLs lose their user-info, and the Cloudflare
 * token and scrape credentials are not settings at all.
 */
export interface ConfigView {
  settings: Record<string, { value: unknown; source: Source; env: string; overridable: boolean }>;
  rejected: (ConfigIssue & { message: string })[];
}

const redacted = "[redacted]";

export function redactValue(value: unknown): unknown {
  if (typeof value !== "string" || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  try {
    const url = new URL(value);
    if (url.username || url.password) {
      url.username = url.username ? redacted : "";
      url.password = url.password ? redacted : "";
    }
    return url.username || url.password ? url.toString() : value;
  } catch {
    return value;
  }
}

export function configView(resolved: ResolvedConfig): ConfigView {
  const settings: ConfigView["settings"] = {};
  for (const key of keyNames) {
    settings[key] = {
      value: redactValue(resolved.config[key]),
      source: resolved.sources[key],
      env: configKeys[key].env,
      overridable: configKeys[key].overridable,
    };
  }
  return {
    settings,
    rejected: resolved.issues.map((issue) => ({
      ...issue,
      // A rejected value may be a mistyped secret pasted into the wrong parameter.
      value: keyFor(issue.key) ? String(redactValue(issue.value)) : redacted,
      message: `${issue.key}: ${issue.rule}`,
    })),
  };
}
