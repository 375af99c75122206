import { CloudflareApiError, type CloudflareErrorKind } from "../cloudflare/errors.ts";
import type { CloudflareRestClient } from "../cloudflare/rest-client.ts";
import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";

/**
 * Readable names for the `rule` label of firewall metrics: rule ID → the rule's description,
 * from every ruleset of the zone (every page, where the reference reads the first: C12).
 * Rules without a description are left out, so their label falls back to the rule ID.
 */
const rulesetSummarySchema = once(() => z.looseObject({ id: z.string() }));

// Built at first use, so a cold start that reads no names does not build them.
const rulesetSchema = once(() =>
  z.looseObject({
    rules: z.nullish(z.array(z.looseObject({ id: z.string(), description: z.nullish(z.string()) }))),
  }),
);

/**
 * Reads the names. A ruleset Cloudflare refuses for good (403: a managed ruleset the token
 * may not see; 404: deleted since the list) is skipped and the others still count. Any
 * other failure throws, the list's included: a map missing names only for now would
 * relabel those rules' series by ID until the next refresh (C4), where the caller can
 * keep the names it has.
 */
const skippable: ReadonlySet<CloudflareErrorKind> = new Set(["forbidden", "badRequest"]);

export async function fetchRuleNames(
  rest: CloudflareRestClient,
  zoneId: string,
): Promise<Record<string, string>> {
  const summaries = await rest.list(`/zones/${zoneId}/rulesets`, rulesetSummarySchema());
  const rulesets = await Promise.all(
    summaries.map(async ({ id }) => {
      try {
        return await rest.get(`/zones/${zoneId}/rulesets/${id}`, rulesetSchema());
      } catch (error) {
        if (error instanceof CloudflareApiError && skippable.has(error.kind)) return undefined;
        throw error;
      }
    }),
  );
  const names: Record<string, string> = {};
  for (const ruleset of rulesets) {
    for (const rule of ruleset?.rules ?? []) {
      const description = rule.description?.trim();
      if (description && !Object.hasOwn(names, rule.id)) names[rule.id] = description;
    }
  }
  return names;
}

/** The `rule` label of a rule: its name when known, else its ID. */
export function ruleLabel(names: Readonly<Record<string, string>>, ruleId: string): string {
  // `hasOwn`, not `names[ruleId]`: an ID like `constructor` must not find Object's prototype.
  return Object.hasOwn(names, ruleId) ? (names[ruleId] ?? ruleId) : ruleId;
}
