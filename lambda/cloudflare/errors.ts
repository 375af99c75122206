/**
 * Cloudflare failures, classified from what the body says (`errors[].extensions.code`,
 * messages, REST error codes) before the HTTP status: a rate-limit `budget` error can
 * arrive with HTTP 200, and an auth failure on the GraphQL URL can arrive as a REST envelope.
 */
export type CloudflareErrorKind =
  /** Budget spent (GraphQL `budget`, REST 429/971): stop calling for a while. */
  | "rateLimited"
  /** Token missing, invalid or expired. */
  | "unauthorized"
  /** Token or plan lacks access to a zone, account, dataset or field. */
  | "forbidden"
  /** Time range too wide or too old, limit out of range, query invalid: our request is wrong. */
  | "badRequest"
  /** 5xx, timeouts, network errors, malformed or truncated bodies: worth retrying. */
  | "transient";

export class CloudflareApiError extends Error {
  readonly kind: CloudflareErrorKind;
  readonly status: number | undefined;
  /** Cloudflare's own code: `extensions.code` (GraphQL) or the numeric REST code. */
  readonly code: string | undefined;
  /** Seconds to wait before calling again, when Cloudflare said (Retry-After) or implied (`budget`). */
  readonly retryAfterSeconds: number | undefined;
  /** For GraphQL errors: the first error's `path` (aliases and list indices), when it gave one. */
  readonly path: readonly (string | number)[] | undefined;
  /** Cloudflare's ray ID of the answer (`cf-ray`), which its support asks for. */
  readonly ray: string | undefined;

  constructor(
    kind: CloudflareErrorKind,
    message: string,
    details: {
      status?: number;
      code?: string;
      retryAfterSeconds?: number;
      path?: readonly (string | number)[];
      ray?: string;
    } = {},
  ) {
    super(message);
    this.name = "CloudflareApiError";
    this.kind = kind;
    this.status = details.status;
    this.code = details.code;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.path = details.path;
    this.ray = details.ray;
  }

  /** A short, stable label for metrics (`cloudflare_exporter_errors_total{code}`). */
  get label(): string {
    return errorLabel(this);
  }
}

/** `kind:code`, or the kind alone: the `code` label of `cloudflare_exporter_errors_total`. */
export function errorLabel(error: { kind: string; code?: string | undefined }): string {
  return error.code ? `${error.kind}:${error.code}` : error.kind;
}

/** Failures that stop the whole run (rate limit, rejected token): going on would only make them worse. */
export function stopsTheRun(error: unknown): boolean {
  return (
    error instanceof CloudflareApiError && (error.kind === "rateLimited" || error.kind === "unauthorized")
  );
}

/** Cloudflare asks for five minutes after a spent GraphQL budget. */
export const budgetBackoffSeconds = 300;

interface GraphqlErrorLike {
  message?: unknown;
  path?: unknown;
  extensions?: { code?: unknown } | null;
}

/** Classifies the `errors[]` of a GraphQL answer. */
export function classifyGraphqlErrors(
  errors: readonly GraphqlErrorLike[],
  status: number | undefined,
  ray?: string,
): CloudflareApiError {
  const first = errors[0] ?? {};
  const code = typeof first.extensions?.code === "string" ? first.extensions.code : undefined;
  const path = Array.isArray(first.path)
    ? first.path.filter((p): p is string | number => typeof p === "string" || typeof p === "number")
    : [];
  const details = {
    ...(status === undefined ? {} : { status }),
    ...(code === undefined ? {} : { code }),
    ...(path.length > 0 ? { path } : {}),
    ...(ray === undefined ? {} : { ray }),
  };
  const all = errors.map((e) => String(e.message ?? "")).join("; ") || "unknown GraphQL error";
  const text = all.toLowerCase();
  if (
    code === "budget" ||
    text.includes("rate limiter budget depleted") ||
    text.includes("exceeded its rate limit")
  ) {
    return new CloudflareApiError("rateLimited", all, {
      ...details,
      retryAfterSeconds: budgetBackoffSeconds,
    });
  }
  if (text.includes("too many queries in progress") || text.includes("consumed excessive resources")) {
    return new CloudflareApiError("rateLimited", all, { ...details, retryAfterSeconds: 60 });
  }
  if (status === 401 || text === "unauthorized" || text.includes("authentication error")) {
    return new CloudflareApiError("unauthorized", all, details);
  }
  if (code === "authz" || text.includes("does not have access") || text.includes("not authorized")) {
    return new CloudflareApiError("forbidden", all, details);
  }
  if (
    text.includes("internal server error") ||
    text.includes("unable to execute query") ||
    text.includes("please try again later") ||
    (status !== undefined && status >= 500)
  ) {
    return new CloudflareApiError("transient", all, details);
  }
  return new CloudflareApiError("badRequest", all, details);
}

/** Classifies a REST envelope's `errors[]` (numeric codes) with the HTTP status. */
export function classifyRestErrors(
  errors: readonly { code?: unknown; message?: unknown }[],
  status: number,
  retryAfterSeconds: number | undefined,
  ray?: string,
): CloudflareApiError {
  const first = errors[0] ?? {};
  const code = first.code === undefined ? undefined : String(first.code);
  const message =
    errors.map((e) => `${String(e.code ?? "")} ${String(e.message ?? "")}`.trim()).join("; ") ||
    `HTTP ${status}`;
  const details = {
    status,
    ...(code ? { code } : {}),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    ...(ray === undefined ? {} : { ray }),
  };
  if (status === 429 || code === "971") {
    return new CloudflareApiError("rateLimited", message, {
      ...details,
      retryAfterSeconds: retryAfterSeconds ?? budgetBackoffSeconds,
    });
  }
  if (status === 401 || code === "1000" || code === "9106" || code === "6003") {
    return new CloudflareApiError("unauthorized", message, details);
  }
  // A 5xx is a server failure whatever code it carries (Cloudflare sends 10000 with some).
  if (status >= 500) return new CloudflareApiError("transient", message, details);
  if (status === 403 || code === "10000") return new CloudflareApiError("forbidden", message, details);
  return new CloudflareApiError("badRequest", message, details);
}

/** What an operator is told to do about a refused token; the token itself is never in it. */
export const tokenAdvice =
  "Cloudflare rejected the API token; it comes from the Secrets Manager secret named by " +
  "CLOUDFLARE_API_TOKEN_SECRET_ARN (local mode: the CLOUDFLARE_API_TOKEN variable). Check it " +
  "is active and allows Analytics:Read: curl -H 'Authorization: Bearer <token>' " +
  "https://api.cloudflare.com/client/v4/user/tokens/verify";

const retriedNote =
  "a failure on Cloudflare's side: retried, and what stays uncounted is counted by a later run";

/**
 * The error as an operator should read it in a log line: a refused token says where the
 * token comes from and how to check it; a failed answer says the call, the HTTP status,
 * the ray ID when Cloudflare gave one, and that it is retried. Other errors are unchanged.
 */
export function explained(error: CloudflareApiError, what: string): CloudflareApiError {
  if (error.status === undefined || (error.kind !== "unauthorized" && error.kind !== "transient"))
    return error;
  const ray = error.ray ? ` (ray ${error.ray})` : "";
  const message =
    error.kind === "unauthorized"
      ? `${tokenAdvice} (${what}: HTTP ${error.status}, ${error.message})`
      : `${what}: HTTP ${error.status}, ${error.message}${ray}; ${retriedNote}`;
  const explainedError = new CloudflareApiError(error.kind, message, {
    status: error.status,
    ...(error.code === undefined ? {} : { code: error.code }),
    ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    ...(error.path === undefined ? {} : { path: error.path }),
    ...(error.ray === undefined ? {} : { ray: error.ray }),
  });
  return explainedError;
}

/** The ray ID of an answer: the `cf-ray` header, or the "Ray ID" an HTML error page shows. */
export function rayOf(headers: Headers | undefined, body: string): string | undefined {
  return headers?.get("cf-ray") ?? /Ray ID:\s*(?:<[^>]*>\s*)*([0-9a-f]{16})/i.exec(body)?.[1];
}

/** A body that is not JSON, described without echoing it. */
export function notJson(status: number, body: string, ray: string | undefined): CloudflareApiError {
  const what = /^\s*</.test(body) ? "an HTML page instead of JSON" : "a body that is not JSON";
  return new CloudflareApiError(
    status >= 500 || (status >= 200 && status < 300) ? "transient" : "badRequest",
    what,
    {
      status,
      ...(ray === undefined ? {} : { ray }),
    },
  );
}

/** Network failures, aborted calls and unparseable bodies are transient. */
export function transportError(error: unknown, what: string): CloudflareApiError {
  if (error instanceof CloudflareApiError) return error;
  const name = (error as Error | undefined)?.name;
  const timedOut = name === "TimeoutError" || name === "AbortError";
  const reason = timedOut ? "timed out" : (error as Error | undefined)?.message;
  return new CloudflareApiError(
    "transient",
    `${what}: ${reason ?? String(error)}`,
    timedOut ? { code: "timeout" } : {},
  );
}
