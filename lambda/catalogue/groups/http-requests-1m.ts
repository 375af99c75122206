import * as z from "../../lib/zod.ts";
import { breakdown, counter, countSchema, gauge, lazyRows, single, timeSchema } from "../query-group.ts";

/**
 * Zone traffic from `httpRequests1mGroups`: the per-minute roll-up behind the Cloudflare
 * dashboard's totals and its country, status, content-type, browser, IP-class, TLS and
 * HTTP-version breakdowns. Paid plans only (the dataset's `settings.enabled` says).
 */
/**
 * The headline families, shared with the `http-requests-adaptive-*` groups that fill them in
 * for zones without this dataset (Free zones): one dashboard serves every plan. Their HELP
 * says which zones' values are sampled estimates.
 */
const estimated =
  " (zones without httpRequests1mGroups, such as Free zones: a sampled estimate from httpRequestsAdaptiveGroups)";
export const headline = {
  requests: counter("cloudflare_zone_requests_total", `Requests${estimated}`),
  cachedRequests: counter("cloudflare_zone_requests_cached_total", `Requests served from cache${estimated}`),
  encryptedRequests: counter("cloudflare_zone_requests_ssl_encrypted_total", `Requests over TLS${estimated}`),
  requestsByCountry: counter(
    "cloudflare_zone_requests_country_total",
    `Requests by client country${estimated}`,
    ["country"],
  ),
  requestsByStatus: counter(
    "cloudflare_zone_requests_status_total",
    `Requests by edge response status code${estimated}`,
    ["status"],
  ),
  requestsBySslProtocol: counter(
    "cloudflare_zone_requests_ssl_protocol_total",
    `Requests by TLS protocol version${estimated}`,
    ["ssl_protocol"],
  ),
  requestsByHttpVersion: counter(
    "cloudflare_zone_requests_http_version_total",
    `Requests by HTTP protocol version${estimated}`,
    ["http_version"],
  ),
  bytes: counter("cloudflare_zone_bandwidth_total", `Bytes served${estimated}`, [], "bytes"),
  cachedBytes: counter(
    "cloudflare_zone_bandwidth_cached_total",
    `Bytes served from cache${estimated}`,
    [],
    "bytes",
  ),
  encryptedBytes: counter(
    "cloudflare_zone_bandwidth_ssl_encrypted_total",
    `Bytes served over TLS${estimated}`,
    [],
    "bytes",
  ),
  bytesByCountry: counter(
    "cloudflare_zone_bandwidth_country_total",
    `Bytes served by client country${estimated}`,
    ["country"],
    "bytes",
  ),
  threats: counter(
    "cloudflare_zone_threats_total",
    `Requests classified as threats (blocked or challenged)${estimated}`,
  ),
  threatsByCountry: counter(
    "cloudflare_zone_threats_country_total",
    `Threats by client country${estimated}`,
    ["country"],
  ),
  cacheHitRatio: gauge(
    "cloudflare_zone_cache_hit_ratio",
    `Share of requests served from cache in the last counted minute${estimated}`,
  ),
} as const;

const rowSchema = () => {
  const count = countSchema();
  return z.object({
    dimensions: z.object({ datetime: timeSchema() }),
    sum: z.object({
      requests: count,
      cachedRequests: count,
      encryptedRequests: count,
      bytes: count,
      cachedBytes: count,
      encryptedBytes: count,
      threats: count,
      pageViews: count,
      countryMap: z.array(
        z.object({ clientCountryName: z.string(), requests: count, bytes: count, threats: count }),
      ),
      responseStatusMap: z.array(
        z.object({ edgeResponseStatus: z.number().check(z.int()), requests: count }),
      ),
      contentTypeMap: z.array(
        z.object({ edgeResponseContentTypeName: z.string(), requests: count, bytes: count }),
      ),
      browserMap: z.array(z.object({ uaBrowserFamily: z.string(), pageViews: count })),
      ipClassMap: z.array(z.object({ ipType: z.string(), requests: count })),
      clientSSLMap: z.array(z.object({ clientSSLProtocol: z.string(), requests: count })),
      clientHTTPVersionMap: z.array(z.object({ clientHTTPProtocol: z.string(), requests: count })),
      threatPathingMap: z.array(z.object({ threatPathingName: z.string(), requests: count })),
    }),
    uniq: z.object({ uniques: count }),
  });
};
type Row = z.output<ReturnType<typeof rowSchema>>;

export const httpRequests1m = lazyRows<Row>({
  name: "http-requests-1m",
  scope: "zone",
  dataset: "httpRequests1mGroups",
  shards: 1,
  rowSchema,
  minuteOf: (row) => row.dimensions.datetime,
  sampled: false,
  timeDimension: "datetime",
  selection: /* GraphQL */ `
    dimensions { datetime }
    sum {
      requests cachedRequests encryptedRequests bytes cachedBytes encryptedBytes threats pageViews
      countryMap { clientCountryName requests bytes threats }
      responseStatusMap { edgeResponseStatus requests }
      contentTypeMap { edgeResponseContentTypeName requests bytes }
      browserMap { uaBrowserFamily pageViews }
      ipClassMap { ipType requests }
      clientSSLMap { clientSSLProtocol requests }
      clientHTTPVersionMap { clientHTTPProtocol requests }
      threatPathingMap { threatPathingName requests }
    }
    uniq { uniques }`,
  series: [
    single(headline.requests, (r) => r.sum.requests),
    single(headline.cachedRequests, (r) => r.sum.cachedRequests),
    single(headline.encryptedRequests, (r) => r.sum.encryptedRequests),
    breakdown(
      counter("cloudflare_zone_requests_content_type_total", "Requests by response content type", [
        "content_type",
      ]),
      (r) => r.sum.contentTypeMap,
      (e) => e.edgeResponseContentTypeName,
      (e) => e.requests,
    ),
    breakdown(
      headline.requestsByCountry,
      (r) => r.sum.countryMap,
      (e) => e.clientCountryName,
      (e) => e.requests,
    ),
    breakdown(
      headline.requestsByStatus,
      (r) => r.sum.responseStatusMap,
      (e, context) => context.status(e.edgeResponseStatus),
      (e) => e.requests,
    ),
    breakdown(
      counter(
        "cloudflare_zone_requests_browser_map_page_views_total",
        "Page views by browser family",
        ["family"],
        "page views",
      ),
      (r) => r.sum.browserMap,
      (e) => e.uaBrowserFamily,
      (e) => e.pageViews,
    ),
    breakdown(
      counter("cloudflare_zone_requests_ip_class_total", "Requests by client IP class", ["ip_type"]),
      (r) => r.sum.ipClassMap,
      (e) => e.ipType,
      (e) => e.requests,
    ),
    breakdown(
      headline.requestsBySslProtocol,
      (r) => r.sum.clientSSLMap,
      (e) => e.clientSSLProtocol,
      (e) => e.requests,
    ),
    breakdown(
      headline.requestsByHttpVersion,
      (r) => r.sum.clientHTTPVersionMap,
      (e) => e.clientHTTPProtocol,
      (e) => e.requests,
    ),
    single(headline.bytes, (r) => r.sum.bytes),
    single(headline.cachedBytes, (r) => r.sum.cachedBytes),
    single(headline.encryptedBytes, (r) => r.sum.encryptedBytes),
    breakdown(
      counter(
        "cloudflare_zone_bandwidth_content_type_total",
        "Bytes served by response content type",
        ["content_type"],
        "bytes",
      ),
      (r) => r.sum.contentTypeMap,
      (e) => e.edgeResponseContentTypeName,
      (e) => e.bytes,
    ),
    breakdown(
      headline.bytesByCountry,
      (r) => r.sum.countryMap,
      (e) => e.clientCountryName,
      (e) => e.bytes,
    ),
    single(headline.threats, (r) => r.sum.threats),
    breakdown(
      headline.threatsByCountry,
      (r) => r.sum.countryMap,
      (e) => e.clientCountryName,
      (e) => e.threats,
    ),
    breakdown(
      counter("cloudflare_zone_threats_type_total", "Threats by type", ["type"]),
      (r) => r.sum.threatPathingMap,
      (e) => e.threatPathingName,
      (e) => e.requests,
    ),
    single(
      counter("cloudflare_zone_pageviews_total", "Page views", [], "page views"),
      (r) => r.sum.pageViews,
    ),
    // Unique visitors are not additive over time, so this is the last counted minute's value, not a counter.
    single(
      gauge("cloudflare_zone_uniques", "Unique visitors in the last counted minute", [], "visitors"),
      (r) => r.uniq.uniques,
    ),
    single(headline.cacheHitRatio, (r) =>
      r.sum.requests > 0 ? r.sum.cachedRequests / r.sum.requests : undefined,
    ),
  ],
});
