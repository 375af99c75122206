import * as z from "../../lib/zod.ts";
import { counter, countSchema, each, lazyRows, timeSchema } from "../query-group.ts";

/**
 * Traffic each Magic Firewall rule matched, from `magicFirewallSamplesAdaptiveGroups`
 * (account scope): bits and packets per rule ID. The dataset has no minute bucket, only
 * `datetime` (the second) and five-minute buckets, so rows are per second and rule and the
 * seconds of a minute add up on the rule's series.
 */
const rowSchema = () =>
  z.object({
    dimensions: z.object({ datetime: timeSchema(), ruleId: z.string() }),
    sum: z.object({ bits: countSchema(), packets: countSchema() }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

const rule = (r: Row) => ({ rule_id: r.dimensions.ruleId });

export const magicFirewallRules = lazyRows<Row>({
  name: "magic-firewall-rules",
  scope: "account",
  dataset: "magicFirewallSamplesAdaptiveGroups",
  shards: 1,
  rowSchema,
  minuteOf: (row) => Math.floor(row.dimensions.datetime / 60) * 60,
  sampled: true,
  timeDimension: "datetime",
  series: [
    each(
      counter(
        "cloudflare_magic_firewall_rule_bytes_total",
        "Bytes matched by the Magic Firewall rule (Cloudflare's bits ÷ 8)",
        ["rule_id"],
        "bytes",
      ),
      (r) => r.sum.bits / 8,
      rule,
    ),
    each(
      counter(
        "cloudflare_magic_firewall_rule_packets_total",
        "Packets matched by the Magic Firewall rule",
        ["rule_id"],
        "packets",
      ),
      (r) => r.sum.packets,
      rule,
    ),
  ],
});
