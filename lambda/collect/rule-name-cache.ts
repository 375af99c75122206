import * as z from "zod";
import type { AnyQueryGroup } from "../catalogue/query-group.ts";
import { keys } from "../store/table.ts";
import { type AccountInfo, cached, type DiscoveryDeps, type ZoneInfo } from "./discovery.ts";
import { fetchRuleNames } from "./rule-names.ts";

/**
 * Firewall rule names of the zones whose groups label by rule, cached per zone like the
 * zone list. A zone whose names cannot be read keeps its last names (or, never read, labels
 * rules by ID): a missing name must not cost the zone its counts.
 */
export async function loadRuleNames(
  deps: DiscoveryDeps,
  account: AccountInfo,
  groups: readonly AnyQueryGroup[],
  zones: readonly ZoneInfo[],
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  const datasets = new Set(groups.filter((g) => g.usesRuleNames).map((g) => g.dataset));
  if (datasets.size === 0) return out;
  for (const zone of zones) {
    if (![...datasets].some((dataset) => zone.settings[dataset]?.enabled)) continue;
    try {
      out.set(
        zone.id,
        await cached(
          deps,
          keys.account(account.id),
          keys.ruleNames(zone.id),
          z.record(z.string(), z.string()),
          deps.config.zoneListCacheTtlSeconds,
          () => true,
          () => fetchRuleNames(deps.rest, zone.id),
        ),
      );
    } catch (error) {
      deps.logger.warn("firewall rule names could not be read; rules are labelled by ID", {
        accountId: account.id,
        zone: zone.name,
        error,
      });
    }
  }
  return out;
}
