import type { CloudflareRestClient } from "../cloudflare/rest-client.ts";
import type { MetricFamily } from "./query-group.ts";

/**
 * A snapshot group reads the current state of something from Cloudflare's REST API (the
 * certificates of a zone, the origin weights of its load balancers) as gauges. It is not
 * a time series of minutes: each refresh replaces the zone's previous snapshot whole, so a
 * certificate that is gone stops being exported. It is refreshed at most every
 * `SSL_CERTS_CACHE_TTL_SECONDS`, and a refresh that fails keeps the previous snapshot.
 */
export interface SnapshotSample {
  /** A family name of the group's `families`. */
  family: string;
  /** Labels besides the scope label (`zone` or `account`). */
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface SnapshotContext {
  rest: CloudflareRestClient;
  accountId: string;
  zone: { id: string; name: string };
}

/** What an account-scoped snapshot (such as the account's Cloudflare Tunnels) is given. */
export interface AccountSnapshotContext {
  rest: CloudflareRestClient;
  accountId: string;
}

interface SnapshotGroupBase {
  /** The `query` label of self-metrics and the key of its state. */
  name: string;
  families: readonly MetricFamily[];
  /** The REST endpoints read, for `docs/metrics.md`. */
  source: string;
}

export interface ZoneSnapshotGroup extends SnapshotGroupBase {
  scope: "zone";
  /** Reads the zone's current values. Throws (a `CloudflareApiError`) when they cannot be read. */
  fetch(context: SnapshotContext): Promise<SnapshotSample[]>;
}

export interface AccountSnapshotGroup extends SnapshotGroupBase {
  scope: "account";
  /** Reads the account's current values. Throws (a `CloudflareApiError`) when they cannot be read. */
  fetch(context: AccountSnapshotContext): Promise<SnapshotSample[]>;
}

export type SnapshotGroup = ZoneSnapshotGroup | AccountSnapshotGroup;

export function defineSnapshotGroup<Group extends SnapshotGroup>(group: Group): Group {
  return group;
}
