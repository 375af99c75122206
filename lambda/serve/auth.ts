import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Scrape credentials: a bearer token and/or a basic-auth user and password. Comparisons
 * are constant-time (on digests, so lengths leak nothing either).
 */
export interface Credentials {
  bearerToken?: string;
  basic?: { user: string; password: string };
}

export type AuthResult = { ok: true } | { ok: false; reason: string };

export const challenge =
  'Bearer realm="cloudflare-exporter", Basic realm="cloudflare-exporter", charset="UTF-8"';

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function checkAuthorization(header: string | undefined, credentials: Credentials): AuthResult {
  if (!header) return { ok: false, reason: "credentials required" };
  const match = /^(\S+)\s+(\S+)$/.exec(header.trim());
  if (!match?.[1] || !match[2]) return { ok: false, reason: "malformed Authorization header" };
  const scheme = match[1].toLowerCase();
  const value = match[2];
  if (scheme === "bearer") {
    const ok = credentials.bearerToken !== undefined && safeEqual(value, credentials.bearerToken);
    return ok ? { ok } : { ok: false, reason: "invalid credentials" };
  }
  if (scheme === "basic") {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return { ok: false, reason: "malformed Authorization header" };
    const decoded = Buffer.from(value, "base64").toString("utf8");
    // The password is everything after the first colon: it may contain colons itself.
    const colon = decoded.indexOf(":");
    if (colon < 0) return { ok: false, reason: "malformed Authorization header" };
    const basic = credentials.basic;
    // Both comparisons always run, so a wrong user takes as long as a wrong password.
    const userOk = safeEqual(decoded.slice(0, colon), basic?.user ?? "");
    const passwordOk = safeEqual(decoded.slice(colon + 1), basic?.password ?? "");
    return basic && userOk && passwordOk ? { ok: true } : { ok: false, reason: "invalid credentials" };
  }
  return { ok: false, reason: "unsupported authorization scheme" };
}
