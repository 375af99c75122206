import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, minuteRowSchema } from "../query-group.ts";

/**
 * Firewall events from `firewallEventsAdaptiveGroups`: requests a security feature acted on
 * (custom and managed rules, rate limits, security level, bot fight mode), by action,
 * source, rule, host and client country. The rule is labelled by its name from the zone's
 * rulesets (its ID when it has none), so two rules with one name share a series and add.
 *
 * Unlike the reference, `botScore` and `botScoreSrcName` are not selected here (they were
 * grouped but never labelled, the duplicate-row bug C1); bot counts are `firewall-bots`.
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
    },
    {
      action: z.string(),
      source: z.string(),
      ruleId: z.string(),
      clientRequestHTTPHost: z.string(),
      clientCountryName: z.string(),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

export const firewallEvents = adaptiveGroup<Row>({
  name: "firewall-events",
  scope: "zone",
  dataset: "firewallEventsAdaptiveGroups",
  shards: 1,
  rowSchema,
  usesRuleNames: true,
  series: [
    each(
      counter(
        "cloudflare_zone_firewall_events_total",
        "Firewall events (a security rule or feature acting on a request) by action, source, rule name (its ID when unnamed), host and client country",
        ["action", "source", "rule", "host", "country"],
        "events",
      ),
      (r) => r.count,
      (r, context) => ({
        action: r.dimensions.action,
        source: r.dimensions.source,
        rule: context.ruleName(r.dimensions.ruleId),
        host: r.dimensions.clientRequestHTTPHost,
        country: r.dimensions.clientCountryName,
      }),
      { skipZero: true },
    ),
  ],
});
