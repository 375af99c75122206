import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, minuteRowSchema } from "../query-group.ts";

/**
 * Firewall events on likely automated requests (bot score below 30) from
 * `firewallEventsAdaptiveGroups`, by score bucket and detection source, and by client
 * country. Bot fields need Bot Management, an Enterprise add-on: zones on other plans are
 * never asked, and an Enterprise zone without it is refused ("does not have access to the
 * field") once, after which the core leaves this group alone for that zone for
 * UNAVAILABLE_RETRY_SECONDS, where the reference re-sent its whole query without the bot
 * fields every minute.
 *
 * As in the reference, these are firewall events only: bot traffic no security rule acted
 * on is not counted.
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
    },
    {
      botScore: z.number().check(z.int(), z.nonnegative()),
      botScoreSrcName: z.nullable(z.string()),
      clientCountryName: z.string(),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

export const firewallBots = adaptiveGroup<Row>({
  name: "firewall-bots",
  scope: "zone",
  dataset: "firewallEventsAdaptiveGroups",
  shards: 1,
  plans: ["enterprise"],
  rowSchema,
  filter: "botScore_lt: 30",
  series: [
    each(
      counter(
        "cloudflare_zone_firewall_bots_detected_total",
        "Firewall events on requests with a bot score below 30, by score bucket (0-9, 10-29) and detection source",
        ["bot_score", "detection_source"],
        "events",
      ),
      (r) => r.count,
      (r) => ({
        bot_score: r.dimensions.botScore < 10 ? "0-9" : "10-29",
        detection_source: r.dimensions.botScoreSrcName || "unknown",
      }),
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_zone_bot_requests_by_country_total",
        "Firewall events on requests with a bot score below 30, by client country",
        ["country"],
        "events",
      ),
      (r) => r.count,
      (r) => ({ country: r.dimensions.clientCountryName }),
      { skipZero: true },
    ),
  ],
});
