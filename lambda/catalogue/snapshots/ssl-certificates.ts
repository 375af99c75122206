import { once } from "../../lib/once.ts";
import * as z from "../../lib/zod.ts";
import { gauge } from "../query-group.ts";
import { defineSnapshotGroup, type SnapshotSample } from "../snapshot-group.ts";
import { mergeSamples } from "./samples.ts";

/**
 * Certificate expiry per zone, from every certificate pack of every status and every page
 * (the reference reads the first page only, and active packs only: C12).
 */
const expiry = gauge(
  "cloudflare_zone_certificate_expiry_timestamp_seconds",
  "When each certificate of the zone's certificate packs expires (Unix seconds), whatever the pack's status",
  ["type", "issuer", "status", "certificate_id"],
  "seconds",
);

/**
 * The reference's name for the same value (C11: it says "validation status" but carries an
 * expiry), kept so existing dashboards and alerts go on working. Unlike the reference, which
 * keeps the latest of certificates sharing labels, it keeps the soonest: the one that matters.
 */
const deprecatedExpiry = gauge(
  "cloudflare_zone_certificate_validation_status",
  "Deprecated name of cloudflare_zone_certificate_expiry_timestamp_seconds: the soonest expiry (Unix seconds) of the zone's certificates with these labels",
  ["type", "issuer", "status"],
  "seconds",
);

// Built at first use: snapshots are taken every SSL_CERTS_CACHE_TTL_SECONDS, not at every run.
/** Cloudflare writes RFC 3339 (`2026-01-01T05:20:00Z`); anything `Date.parse` reads is accepted. */
const timestampSeconds = once(() =>
  z.pipe(
    z.string(),
    z.transform((text, context) => {
      const ms = Date.parse(text);
      if (Number.isNaN(ms)) {
        context.issues.push({
          code: "custom",
          message: `not a timestamp: ${JSON.stringify(text)}`,
          input: text,
        });
        return z.NEVER;
      }
      return Math.floor(ms / 1000);
    }),
  ),
);

// Empty strings count as absent: they would make empty label values.
const text = once(() =>
  z.pipe(
    z.nullish(z.string()),
    z.transform((value) => value || undefined),
  ),
);

const certificateSchema = once(() =>
  z.looseObject({
    id: z.string(),
    issuer: text(),
    status: text(),
    expires_on: z.nullish(timestampSeconds()),
  }),
);

const packSchema = once(() =>
  z.looseObject({
    type: z.string(),
    status: z.string(),
    certificate_authority: text(),
    certificates: z.nullish(z.array(certificateSchema())),
  }),
);
type Pack = z.output<ReturnType<typeof packSchema>>;

export const sslCertificates = defineSnapshotGroup({
  name: "ssl-certificates",
  scope: "zone",
  families: [expiry, deprecatedExpiry],
  source: "GET /zones/{zone_id}/ssl/certificate_packs?status=all",
  async fetch({ rest, zone }) {
    const packs = await rest.list(`/zones/${zone.id}/ssl/certificate_packs`, packSchema(), { status: "all" });
    return certificateSamples(packs);
  },
});

function certificateSamples(packs: readonly Pack[]): SnapshotSample[] {
  const current: SnapshotSample[] = [];
  const deprecated: SnapshotSample[] = [];
  for (const pack of packs) {
    for (const certificate of pack.certificates ?? []) {
      // A certificate not issued yet has no expiry; 0 (as the reference exports) would read as long expired.
      if (certificate.expires_on == null) continue;
      const status = certificate.status ?? pack.status;
      current.push({
        family: expiry.name,
        labels: {
          type: pack.type,
          issuer: certificate.issuer ?? pack.certificate_authority ?? "unknown",
          status,
          certificate_id: certificate.id,
        },
        value: certificate.expires_on,
      });
      // The reference's labels, values included (no fallback to the pack's authority), so its series keep their identity.
      deprecated.push({
        family: deprecatedExpiry.name,
        labels: { type: pack.type, issuer: certificate.issuer ?? "unknown", status },
        value: certificate.expires_on,
      });
    }
  }
  return mergeSamples([...current, ...deprecated], Math.min);
}
