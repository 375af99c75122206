import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

/**
 * The checks local mode makes before it starts anything, each failing with one line a
 * person can act on (the caller prints it and exits non-zero).
 */
export class SetupError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

/** Creates the data directory if needed and proves it can be written. */
export async function prepareDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new SetupError(
      `the data directory ${dir} cannot be used (${code}): set DATA_DIR to a writable directory`,
    );
  }
}

/** A whole number of seconds from the environment, named in its error (SCHEDULE_SECONDS, …). */
export function parseSeconds(
  name: string,
  value: string | undefined,
  fallback: number,
  min = 1,
  max = 86_400,
): number {
  if (value === undefined || value.trim() === "") return fallback;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < min || seconds > max)
    throw new SetupError(
      `${name} must be a whole number of seconds (${min}–${max}), got ${JSON.stringify(value)}`,
    );
  return seconds;
}

export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new SetupError(`PORT must be a port number (0–65535), got ${JSON.stringify(value)}`);
  return port;
}

const verifySchema = z.object({
  success: z.boolean(),
  errors: z.array(z.object({ code: z.number().optional(), message: z.string() })).default([]),
  result: z.object({ status: z.string() }).nullish(),
});

/**
 * Asks Cloudflare whether the token is valid: `/user/tokens/verify`, or for an
 * account-owned token `/accounts/{id}/tokens/verify` with the first of `CF_ACCOUNTS`.
 */
export async function verifyToken(
  baseUrl: string,
  token: string,
  accountIds: readonly string[],
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const paths = [
    "/user/tokens/verify",
    ...accountIds.slice(0, 1).map((id) => `/accounts/${id}/tokens/verify`),
  ];
  let refusal = "";
  for (const path of paths) {
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}${path}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new SetupError(
        `Cloudflare's API at ${baseUrl} cannot be reached (${cause}); check the network or CLOUDFLARE_API_BASE_URL`,
      );
    }
    const body = verifySchema.safeParse(await response.json().catch(() => undefined));
    if (response.ok && body.success && body.data.success && body.data.result?.status === "active") return;
    const reason = body.success
      ? body.data.errors.map((e) => e.message).join("; ")
      : `HTTP ${response.status}`;
    refusal =
      `${response.status} ${reason || (body.success ? `token status ${body.data.result?.status}` : "")}`.trim();
  }
  throw new SetupError(
    `Cloudflare rejected CLOUDFLARE_API_TOKEN (${refusal}); create a token with Analytics:Read${
      accountIds.length === 0 ? ", and set CF_ACCOUNTS for an account-owned token" : ""
    }`,
  );
}

/**
 * Scrape credentials for local mode: those given in the environment, else a bearer token
 * generated once and kept in the data directory, so the endpoint is never open by accident.
 */
export async function localScrapeToken(env: Env, dataDir: string): Promise<string | undefined> {
  if (env.SCRAPE_BEARER_TOKEN || (env.BASIC_AUTH_USER && env.BASIC_AUTH_PASSWORD))
    return env.SCRAPE_BEARER_TOKEN;
  const file = join(dataDir, "scrape-token");
  try {
    const stored = (await readFile(file, "utf8")).trim();
    if (stored.length >= 16) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const token = randomBytes(24).toString("base64url");
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}
