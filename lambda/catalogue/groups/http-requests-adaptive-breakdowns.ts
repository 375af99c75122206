import * as z from "../../lib/zod.ts";
import { adaptiveGroup, countSchema, each, timeSchema } from "../query-group.ts";
import { headline } from "./http-requests-1m.ts";
import { isThreat } from "./http-requests-adaptive-totals.ts";

/**
 * Requests by edge status and by client country, bytes and threats by country, from
 * `httpRequestsAdaptiveGroups` for zones whose `settings` say `httpRequests1mGroups` is not
 * enabled (Free zones), under `http-requests-1m`'s names and labels. Sampled estimates.
 * Content type is not among them: Cloudflare refuses `edgeResponseContentTypeName` to Free
 * zones. Each row (status × country × security action) adds to one series per family.
 */
const rowSchema = () =>
  z.object({
    count: countSchema(),
    sum: z.object({ edgeResponseBytes: countSchema() }),
    dimensions: z.object({
      datetimeMinute: timeSchema(),
      edgeResponseStatus: z.number().check(z.int(), z.nonnegative()),
      clientCountryName: z.string(),
      securityAction: z.string(),
    }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

const country = (r: Row) => ({ country: r.dimensions.clientCountryName });

export const httpRequestsAdaptiveBreakdowns = adaptiveGroup<Row>({
  name: "http-requests-adaptive-breakdowns",
  scope: "zone",
  dataset: "httpRequestsAdaptiveGroups",
  standsInFor: "httpRequests1mGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      headline.requestsByStatus,
      (r) => r.count,
      (r, context) => ({ status: context.status(r.dimensions.edgeResponseStatus) }),
      { skipZero: true },
    ),
    each(headline.requestsByCountry, (r) => r.count, country, { skipZero: true }),
    each(headline.bytesByCountry, (r) => r.sum.edgeResponseBytes, country, { skipZero: true }),
    each(headline.threatsByCountry, (r) => (isThreat(r.dimensions.securityAction) ? r.count : 0), country, {
      skipZero: true,
    }),
  ],
});
