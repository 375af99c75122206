import * as z from "../../lib/zod.ts";
import {
  adaptiveGroup,
  counter,
  countSchema,
  each,
  minuteRowSchema,
  type QueryGroup,
} from "../query-group.ts";

/**
 * The shape shared by the Network Analytics v2 datasets of Cloudflare's protection systems
 * (account scope): bytes and packets by outcome, direction and IP protocol, per minute, under
 * the reference's family names but in bytes (`_bytes_total`, Cloudflare's bits ÷ 8):
 * Prometheus' base unit for data is the byte, and promtool rejects `_bits`. Colos and the like are not selected, so each row is one
 * outcome, direction and protocol; rows that still meet (a duplicate) add up.
 */
const rowSchema = () =>
  minuteRowSchema(
    { sum: z.object({ bits: countSchema(), packets: countSchema() }) },
    { outcome: z.string(), direction: z.string(), ipProtocolName: z.string() },
  );
export type NetworkAnalyticsRow = z.output<ReturnType<typeof rowSchema>>;

const labels = ["outcome", "direction", "ip_protocol"];
const traffic = (r: NetworkAnalyticsRow) => ({
  outcome: r.dimensions.outcome,
  direction: r.dimensions.direction,
  ip_protocol: r.dimensions.ipProtocolName,
});

export function networkAnalyticsGroup(options: {
  name: string;
  dataset: string;
  /** The family prefix after `cloudflare_network_analytics_` (`idps`, `tcp_protection`, …). */
  system: string;
  /** What saw the traffic, for the HELP text. */
  seenBy: string;
}): QueryGroup<NetworkAnalyticsRow> {
  const family = (unit: "bytes" | "packets") =>
    counter(
      `cloudflare_network_analytics_${options.system}_${unit}_total`,
      `${unit === "bytes" ? "Bytes (Cloudflare's bits ÷ 8)" : "Packets"} seen by ${options.seenBy}, by outcome, direction and IP protocol`,
      labels,
      unit,
    );
  return adaptiveGroup<NetworkAnalyticsRow>({
    name: options.name,
    scope: "account",
    dataset: options.dataset,
    shards: 1,
    rowSchema,
    series: [
      each(family("bytes"), (r) => r.sum.bits / 8, traffic, { skipZero: true }),
      each(family("packets"), (r) => r.sum.packets, traffic, { skipZero: true }),
    ],
  });
}
