import { z } from "zod";
import { Random } from "./random.ts";

/**
 * Failures injected on demand, for testing how a client copes. Each rule applies to the
 * GraphQL API, the REST API or both, for a number of requests (`times`) and/or at a rate.
 */
export const faultKinds = [
  /** 500 with Cloudflare's `Internal server error`. */
  "serverError",
  /** 503 `unable to execute query, please try again later` (GraphQL) or a 503 envelope (REST). */
  "unavailable",
  /** An HTML error page from the edge (default 502), not JSON at all. */
  "htmlError",
  /** The connection is held open and never answered. */
  "timeout",
  /** The real answer, after `delayMs`. */
  "slow",
  /** The real answer cut off halfway, with status 200. */
  "truncatedJson",
  /** HTTP 200 with `data: null` and an `Internal server error` in `errors`. */
  "dataNullWithErrors",
  /** The rate-limit `budget` error, as if the budget were spent. */
  "budget",
] as const;
export type FaultKind = (typeof faultKinds)[number];

export const faultRuleSchema = z.object({
  kind: z.enum(faultKinds),
  api: z.enum(["graphql", "rest", "any"]).default("any"),
  /** How many matching requests the rule affects; omitted means unlimited. */
  times: z.number().int().positive().optional(),
  /** Probability that a matching request is affected; omitted means always. */
  rate: z.number().min(0).max(1).optional(),
  delayMs: z.number().int().nonnegative().default(2_000),
  status: z.number().int().min(400).max(599).optional(),
});
export type FaultRule = z.output<typeof faultRuleSchema>;
export type FaultRuleInput = z.input<typeof faultRuleSchema>;

export class FaultInjector {
  #rules: { rule: FaultRule; left: number }[] = [];
  readonly #random: Random;

  constructor(seed: string) {
    this.#random = new Random(seed, "faults");
  }

  add(input: FaultRuleInput): FaultRule {
    const rule = faultRuleSchema.parse(input);
    this.#rules.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    return rule;
  }

  clear(): void {
    this.#rules = [];
  }

  list(): FaultRule[] {
    return this.#rules.map((entry) => entry.rule);
  }

  /** The fault to apply to this request, if any; consumes one use of the rule. */
  take(api: "graphql" | "rest"): FaultRule | undefined {
    for (const entry of this.#rules) {
      if (entry.rule.api !== "any" && entry.rule.api !== api) continue;
      if (entry.rule.rate !== undefined && this.#random.next() >= entry.rule.rate) continue;
      entry.left -= 1;
      if (entry.left <= 0) this.#rules = this.#rules.filter((other) => other !== entry);
      return entry.rule;
    }
    return undefined;
  }
}
