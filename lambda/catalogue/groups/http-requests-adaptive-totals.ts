import * as z from "../../lib/zod.ts";
import { adaptiveGroup, countSchema, each, timeSchema } from "../query-group.ts";
import { headline } from "./http-requests-1m.ts";

/**
 * The zone's headline totals from `httpRequestsAdaptiveGroups`, for zones whose `settings`
 * say `httpRequests1mGroups` is not enabled (Free zones): requests, bytes, their cached and
 * TLS shares, threats, and requests by TLS and HTTP version, under the names and labels of
 * `http-requests-1m`, so one dashboard serves every plan. Sampled estimates.
 *
 * The dataset has no cached, encrypted or threat sums, so they are counted from dimensions:
 * cached = a cache status of hit, revalidated, stale or updating (Cloudflare's `cachedRequests`);
 * encrypted = a TLS protocol other than "none"; a threat = a request the security features
 * blocked or challenged (`securityAction` block or *challenge, what `threats` counted).
 * The rows of a minute differ in those four dimensions; they add up on each series.
 */
const cachedStatuses = new Set(["hit", "revalidated", "stale", "updating"]);
const rowSchema = () =>
  z.object({
    count: countSchema(),
    sum: z.object({ edgeResponseBytes: countSchema() }),
    dimensions: z.object({
      datetimeMinute: timeSchema(),
      cacheStatus: z.string(),
      clientSSLProtocol: z.string(),
      clientRequestHTTPProtocol: z.string(),
      securityAction: z.string(),
    }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

const cached = (r: Row) => cachedStatuses.has(r.dimensions.cacheStatus);
const encrypted = (r: Row) => r.dimensions.clientSSLProtocol !== "none";
export const isThreat = (action: string) => action === "block" || action.endsWith("challenge");

export const httpRequestsAdaptiveTotals = adaptiveGroup<Row>({
  name: "http-requests-adaptive-totals",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  standsInFor: "httpRequests1mGroups",
  shards: 1,
  rowSchema,
  series: [
    each(headline.requests, (r) => r.count),
    each(headline.cachedRequests, (r) => (cached(r) ? r.count : 0)),
    each(headline.encryptedRequests, (r) => (encrypted(r) ? r.count : 0)),
    each(headline.bytes, (r) => r.sum.edgeResponseBytes),
    each(headline.cachedBytes, (r) => (cached(r) ? r.sum.edgeResponseBytes : 0)),
    each(headline.encryptedBytes, (r) => (encrypted(r) ? r.sum.edgeResponseBytes : 0)),
    each(headline.threats, (r) => (isThreat(r.dimensions.securityAction) ? r.count : 0)),
    each(
      headline.requestsBySslProtocol,
      (r) => r.count,
      (r) => ({ ssl_protocol: r.dimensions.clientSSLProtocol }),
      { skipZero: true },
    ),
    each(
      headline.requestsByHttpVersion,
      (r) => r.count,
      (r) => ({ http_version: r.dimensions.clientRequestHTTPProtocol }),
      { skipZero: true },
    ),
    // The count-weighted mean of 1 (cached) and 0 over the minute's rows is the cached share.
    each(
      headline.cacheHitRatio,
      (r) => (r.count > 0 ? (cached(r) ? 1 : 0) : undefined),
      () => ({}),
      { merge: "mean", weight: (r) => r.count },
    ),
  ],
});
