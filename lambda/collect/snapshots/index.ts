import type { SnapshotGroup } from "../snapshot-group.ts";
import { cloudflareTunnels } from "./cloudflare-tunnels.ts";
import { lbWeights } from "./lb-weights.ts";
import { sslCertificates } from "./ssl-certificates.ts";

/** Every snapshot group, in the order their families are documented and exported. */
export const snapshotGroups: readonly SnapshotGroup[] = [sslCertificates, lbWeights, cloudflareTunnels];
