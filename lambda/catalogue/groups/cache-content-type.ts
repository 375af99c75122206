import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, minuteRowSchema } from "../query-group.ts";

/**
 * Requests and bytes by cache status (hit, miss, dynamic, …) and content type, from
 * `httpRequestsAdaptiveGroups`: what is cached, and what is not, per kind of content.
 * Cloudflare refuses `edgeResponseContentTypeName` to Free zones, so the group runs only
 * where the zone's `settings` enable `httpRequests1mGroups` (the paid plans) and never sends
 * a query it knows is refused. Each row is one content type, cache status and minute.
 */
const rowSchema = () =>
  minuteRowSchema(
    { count: countSchema(), sum: z.object({ edgeResponseBytes: countSchema() }) },
    { edgeResponseContentTypeName: z.string(), cacheStatus: z.string() },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

const labels = ["content_type", "cache_status"];
const kind = (r: Row) => ({
  content_type: r.dimensions.edgeResponseContentTypeName,
  cache_status: r.dimensions.cacheStatus,
});

export const cacheContentType = adaptiveGroup<Row>({
  name: "cache-content-type",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  onlyWith: "httpRequests1mGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      counter(
        "cloudflare_zone_requests_cache_status_content_type_total",
        "Requests by cache status and response content type",
        labels,
      ),
      (r) => r.count,
      kind,
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_zone_bandwidth_cache_status_content_type_total",
        "Bytes sent to clients by cache status and response content type",
        labels,
        "bytes",
      ),
      (r) => r.sum.edgeResponseBytes,
      kind,
      { skipZero: true },
    ),
  ],
});
