import { once } from "../../lib/once.ts";
import * as z from "../../lib/zod.ts";
import { gauge } from "../query-group.ts";
import { defineSnapshotGroup, type SnapshotSample } from "../snapshot-group.ts";

/**
 * Cloudflare Tunnel (cloudflared) health from the REST tunnels API: each tunnel's status
 * (healthy, degraded, down, inactive) as a state set, and its open connections per
 * Cloudflare data center. Tunnels are not in the GraphQL datasets
 * (`cloudflareTunnelsAnalyticsAdaptiveGroups` is WARP device traffic), so this is a snapshot.
 * Deleted tunnels are not listed (`is_deleted=false`).
 */
const states = ["healthy", "degraded", "down", "inactive"] as const;

const status = gauge(
  "cloudflare_tunnel_status",
  "1 for the Cloudflare Tunnel's current status (healthy, degraded, down, inactive), 0 for the others",
  ["tunnel_id", "tunnel_name", "status"],
);
const connections = gauge(
  "cloudflare_tunnel_connections",
  "Open connections of the Cloudflare Tunnel's connectors to a Cloudflare data center",
  ["tunnel_id", "tunnel_name", "colo"],
  "connections",
);

// Built at first use: snapshots are taken every SSL_CERTS_CACHE_TTL_SECONDS, not at every run.
const tunnelSchema = once(() =>
  z.looseObject({
    id: z.string(),
    name: z.string(),
    status: z.string(),
    connections: z.nullish(
      z.array(z.looseObject({ colo_name: z.string(), is_pending_reconnect: z._default(z.boolean(), false) })),
    ),
  }),
);
type Tunnel = z.output<ReturnType<typeof tunnelSchema>>;

export const cloudflareTunnels = defineSnapshotGroup({
  name: "cloudflare-tunnels",
  scope: "account",
  families: [status, connections],
  source: "GET /accounts/{account_id}/cfd_tunnel?is_deleted=false",
  async fetch({ rest, accountId }) {
    const tunnels = await rest.list(`/accounts/${accountId}/cfd_tunnel`, tunnelSchema(), {
      is_deleted: "false",
    });
    return tunnels.flatMap(samplesOf);
  },
});

function samplesOf(tunnel: Tunnel): SnapshotSample[] {
  const labels = { tunnel_id: tunnel.id, tunnel_name: tunnel.name };
  const perColo = new Map<string, number>();
  // A connection pending reconnect is not open.
  for (const connection of tunnel.connections ?? []) {
    if (!connection.is_pending_reconnect)
      perColo.set(connection.colo_name, (perColo.get(connection.colo_name) ?? 0) + 1);
  }
  return [
    ...states.map((state) => ({
      family: status.name,
      labels: { ...labels, status: state },
      value: tunnel.status === state ? 1 : 0,
    })),
    ...[...perColo].map(([colo, open]) => ({
      family: connections.name,
      labels: { ...labels, colo },
      value: open,
    })),
  ];
}
