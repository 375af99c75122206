/**
 * Structured logging. Lines are JSON objects (one per line) so CloudWatch Logs Insights
 * can query them; `redact` keeps secrets out of every line.
 */
export type LogFields = Record<string, unknown>;
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const secretKey = /token|secret|password|authorization|credential/i;

export function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (secretKey.test(key)) out[key] = "[redacted]";
    else if (value instanceof Error) out[key] = { name: value.name, message: value.message };
    else out[key] = value;
  }
  return out;
}

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "json" | "pretty";
const severity: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface LoggerOptions {
  base?: LogFields;
  level?: LogLevel;
  format?: LogFormat;
  write?: (line: string) => void;
}

/** `pretty`: `LEVEL message key=value …`, for a person at a terminal. */
function prettyLine(level: string, message: string, fields: LogFields): string {
  const rest = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  return `${level.toUpperCase().padEnd(5)} ${message}${rest ? ` ${rest}` : ""}`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const { base = {}, level = "info", format = "json", write = (line) => console.log(line) } = options;
  const emit =
    (lineLevel: LogLevel) =>
    (message: string, fields: LogFields = {}) => {
      if (severity[lineLevel] < severity[level]) return;
      const all = { ...redact(base), ...redact(fields) };
      write(
        format === "json"
          ? JSON.stringify({ level: lineLevel, message, ...all })
          : prettyLine(lineLevel, message, all),
      );
    };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}

export function jsonLogger(base: LogFields = {}, write?: (line: string) => void): Logger {
  return createLogger({ base, ...(write ? { write } : {}) });
}

/** A logger that keeps lines in memory, for tests. */
export function memoryLogger(): Logger & { lines: LogFields[] } {
  const lines: LogFields[] = [];
  const logger = jsonLogger({}, (line) => lines.push(JSON.parse(line) as LogFields));
  return Object.assign(logger, { lines });
}
