import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, timeSchema } from "../query-group.ts";

/**
 * The account's authoritative DNS queries from the account-scoped `dnsAnalyticsAdaptiveGroups`
 * (every account), by query type and response code: one series per account whatever its
 * number of zones (the per-zone view is `dns-zone`). Rows of a minute differ in `protocol`
 * too, so several add up on one series.
 */
const rowSchema = () =>
  z.object({
    count: countSchema(),
    dimensions: z.object({
      datetimeMinute: timeSchema(),
      queryType: z.string(),
      responseCode: z.string(),
      protocol: z.string(),
    }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

export const dnsAccount = adaptiveGroup<Row>({
  name: "dns-account",
  scope: "account",
  dataset: "dnsAnalyticsAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      counter(
        "cloudflare_account_dns_queries_total",
        "DNS queries Cloudflare answered for the account's zones, by query type and response code",
        ["query_type", "response_code"],
        "queries",
      ),
      (r) => r.count,
      (r) => ({ query_type: r.dimensions.queryType, response_code: r.dimensions.responseCode }),
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_account_dns_queries_protocol_total",
        "DNS queries of the account's zones by transport protocol (udp, tcp, https, tls)",
        ["protocol"],
        "queries",
      ),
      (r) => r.count,
      (r) => ({ protocol: r.dimensions.protocol }),
      { skipZero: true },
    ),
  ],
});
