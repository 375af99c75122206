import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, timeSchema } from "../query-group.ts";

/**
 * Network Analytics v2 for Cloudflare's DDoS protection (`dosdNetworkAnalyticsAdaptiveGroups`,
 * account scope): bits and packets by outcome (pass, drop), direction, IP protocol and attack
 * vector. Rows are per those four and minute; colos and the like are not selected.
 */
const rowSchema = () =>
  z.object({
    dimensions: z.object({
      datetimeMinute: timeSchema(),
      outcome: z.string(),
      direction: z.string(),
      ipProtocolName: z.string(),
      attackVector: z.string(),
    }),
    sum: z.object({ bits: countSchema(), packets: countSchema() }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

const labels = ["outcome", "direction", "ip_protocol", "attack_vector"];
const traffic = (r: Row) => ({
  outcome: r.dimensions.outcome,
  direction: r.dimensions.direction,
  ip_protocol: r.dimensions.ipProtocolName,
  attack_vector: r.dimensions.attackVector,
});

export const networkAnalyticsDosd = adaptiveGroup<Row>({
  name: "network-analytics-dosd",
  scope: "account",
  dataset: "dosdNetworkAnalyticsAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      counter(
        "cloudflare_network_analytics_dosd_bytes_total",
        "Bytes seen by DDoS protection (Cloudflare's bits ÷ 8)",
        labels,
        "bytes",
      ),
      (r) => r.sum.bits / 8,
      traffic,
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_network_analytics_dosd_packets_total",
        "Packets seen by DDoS protection",
        labels,
        "packets",
      ),
      (r) => r.sum.packets,
      traffic,
      { skipZero: true },
    ),
  ],
});
