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

export function jsonLogger(
  base: LogFields = {},
  write: (line: string) => void = (line) => console.log(line),
): Logger {
  const emit =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      write(JSON.stringify({ level, message, ...redact(base), ...redact(fields) }));
  return {
    debug: () => {},
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (fields) => jsonLogger({ ...base, ...fields }, write),
  };
}

/** A logger that keeps lines in memory, for tests. */
export function memoryLogger(): Logger & { lines: LogFields[] } {
  const lines: LogFields[] = [];
  const logger = jsonLogger({}, (line) => lines.push(JSON.parse(line) as LogFields));
  return Object.assign(logger, { lines });
}
