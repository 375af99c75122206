import { once } from "../../lib/once.ts";
import * as z from "../../lib/zod.ts";
import { gauge } from "../query-group.ts";
import { defineSnapshotGroup, type SnapshotSample } from "../snapshot-group.ts";

/**
 * Cloudflare for SaaS custom hostnames of the zone: each hostname's status and its
 * certificate's status (1 for the current one; a refresh replaces the series whole, so a
 * status that changed leaves no stale series), and when the certificate expires. Every
 * page is read; a zone without custom hostnames lists none and exports nothing.
 */
const hostnameStatus = gauge(
  "cloudflare_zone_custom_hostname_status",
  "1 for the custom hostname's current status (active, pending, moved, …)",
  ["custom_hostname", "status"],
);
const sslStatus = gauge(
  "cloudflare_zone_custom_hostname_ssl_status",
  "1 for the current status of the custom hostname's certificate (active, pending_validation, expired, …)",
  ["custom_hostname", "status"],
);
const sslExpiry = gauge(
  "cloudflare_zone_custom_hostname_ssl_expiry_timestamp_seconds",
  "When the custom hostname's certificate expires (Unix seconds); absent until one is issued",
  ["custom_hostname"],
  "seconds",
);

// Built at first use: snapshots are taken every SSL_CERTS_CACHE_TTL_SECONDS, not at every run.
const customHostnameSchema = once(() =>
  z.looseObject({
    hostname: z.string(),
    status: z.nullish(z.string()),
    ssl: z.nullish(z.looseObject({ status: z.nullish(z.string()), expires_on: z.nullish(z.string()) })),
  }),
);
type CustomHostname = z.output<ReturnType<typeof customHostnameSchema>>;

export const customHostnames = defineSnapshotGroup({
  name: "custom-hostnames",
  scope: "zone",
  families: [hostnameStatus, sslStatus, sslExpiry],
  source: "GET /zones/{zone_id}/custom_hostnames",
  async fetch({ rest, zone }) {
    const hostnames = await rest.list(`/zones/${zone.id}/custom_hostnames`, customHostnameSchema());
    return hostnames.flatMap(samplesOf);
  },
});

function samplesOf(custom: CustomHostname): SnapshotSample[] {
  const labels = { custom_hostname: custom.hostname };
  const expiresMs = custom.ssl?.expires_on ? Date.parse(custom.ssl.expires_on) : Number.NaN;
  return [
    ...(custom.status
      ? [{ family: hostnameStatus.name, labels: { ...labels, status: custom.status }, value: 1 }]
      : []),
    ...(custom.ssl?.status
      ? [{ family: sslStatus.name, labels: { ...labels, status: custom.ssl.status }, value: 1 }]
      : []),
    ...(Number.isNaN(expiresMs)
      ? []
      : [{ family: sslExpiry.name, labels, value: Math.floor(expiresMs / 1000) }]),
  ];
}
