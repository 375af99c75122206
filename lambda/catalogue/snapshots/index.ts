import type { SnapshotGroup } from "../snapshot-group.ts";
import { cloudflareTunnels } from "./cloudflare-tunnels.ts";
import { lbWeights } from "./lb-weights.ts";
import { sslCertificates } from "./ssl-certificates.ts";

/** Every snapshot group, in the order their families are documented and exported. */
export const snapshotGroups: readonly SnapshotGroup[] = [sslCertificates, lbWeights, cloudflareTunnels];

const snapshotGroupNames = new Set(snapshotGroups.map((group) => group.name));

/**
 * Whether a stored shard is a REST snapshot (refreshed every half hour by design) rather
 * than a minute series: how far behind collection is, is judged on minute series only.
 */
export function isSnapshotGroup(groupName: string): boolean {
  return snapshotGroupNames.has(groupName);
}
