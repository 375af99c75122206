import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, minuteRowSchema } from "../query-group.ts";

/**
 * Requests and bytes by the client's network (ASN), from `httpRequestsAdaptiveGroups`: the
 * top networks, bounded. ASN families are what drove other exporters out of memory (one
 * series per network ever seen), so each family holds at most `seriesCap` ASNs per zone
 * (and never more than MAX_SERIES_PER_FAMILY): rows come largest first within each minute,
 * the largest networks take the places, and samples of further ASNs are dropped and counted
 * in `cloudflare_exporter_dropped_samples_total`. A network idle for SERIES_IDLE_EXPIRY
 * frees its place. Cloudflare refuses `clientAsn` to Free zones, so the group runs only
 * where the zone's `settings` enable `httpRequests1mGroups`.
 */
const rowSchema = () =>
  minuteRowSchema(
    { count: countSchema(), sum: z.object({ edgeResponseBytes: countSchema() }) },
    { clientAsn: z.string(), clientASNDescription: z.string() },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

const labels = ["asn", "asn_description"];
const network = (r: Row) => ({
  asn: r.dimensions.clientAsn,
  asn_description: r.dimensions.clientASNDescription,
});

export const clientAsn = adaptiveGroup<Row>({
  name: "client-asn",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  onlyWith: "httpRequests1mGroups",
  rowOrder: "count_DESC",
  seriesCap: 100,
  shards: 1,
  rowSchema,
  series: [
    each(
      counter("cloudflare_zone_requests_asn_total", "Requests by the client's network (ASN)", labels),
      (r) => r.count,
      network,
      {
        skipZero: true,
      },
    ),
    each(
      counter(
        "cloudflare_zone_bandwidth_asn_total",
        "Bytes sent to clients by their network (ASN)",
        labels,
        "bytes",
      ),
      (r) => r.sum.edgeResponseBytes,
      network,
      { skipZero: true },
    ),
  ],
});
