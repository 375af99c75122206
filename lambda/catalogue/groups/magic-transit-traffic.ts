import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, timeSchema } from "../query-group.ts";

/**
 * Traffic through each Magic Transit tunnel from `magicTransitTunnelTrafficAdaptiveGroups`
 * (account scope): bits and packets by tunnel, direction, on-ramp and off-ramp. Rows also
 * differ by nothing else selected, so each row is one series and minute.
 */
const rowSchema = () =>
  z.object({
    dimensions: z.object({
      datetimeMinute: timeSchema(),
      tunnelName: z.string(),
      direction: z.string(),
      onRamp: z.string(),
      offRamp: z.string(),
    }),
    sum: z.object({ bits: countSchema(), packets: countSchema() }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

const labels = ["tunnel_name", "direction", "on_ramp", "off_ramp"];
const tunnel = (r: Row) => ({
  tunnel_name: r.dimensions.tunnelName,
  direction: r.dimensions.direction,
  on_ramp: r.dimensions.onRamp,
  off_ramp: r.dimensions.offRamp,
});

export const magicTransitTraffic = adaptiveGroup<Row>({
  name: "magic-transit-traffic",
  scope: "account",
  dataset: "magicTransitTunnelTrafficAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      counter(
        "cloudflare_magic_transit_tunnel_traffic_bytes_total",
        "Bytes through the Magic Transit tunnel (Cloudflare's bits ÷ 8)",
        labels,
        "bytes",
      ),
      (r) => r.sum.bits / 8,
      tunnel,
    ),
    each(
      counter(
        "cloudflare_magic_transit_tunnel_traffic_packets_total",
        "Packets through the Magic Transit tunnel",
        labels,
        "packets",
      ),
      (r) => r.sum.packets,
      tunnel,
    ),
  ],
});
