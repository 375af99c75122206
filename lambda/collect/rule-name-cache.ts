import type { AnyQueryGroup } from "../catalogue/query-group.ts";
import { CloudflareApiError } from "../cloudflare/errors.ts";
import * as z from "../lib/zod.ts";
import { noteRuleNamesWait } from "../store/rule-names-wait.ts";
import { keys } from "../store/table.ts";
import { type AccountInfo, cached, type DiscoveryDeps, type ZoneInfo } from "./discovery.ts";
import { fetchRuleNames } from "./rule-names.ts";

/**
 * Firewall rule names of the zones whose groups label by rule, cached per zone like the
 * zone list. A zone whose names cannot be read keeps its last names (or, never read, labels
 * rules by ID): a missing name must not cost the zone its counts. Names never read because
 * the REST budget is spent for now (a large estate's first cycle) are different: labelling
 * by ID now and by name later would split each rule's series in two, so the zone is
 * `pending` and its rule-labelled groups wait, cursor kept, for a run that can read them.
 */
export interface RuleNames {
  names: Map<string, Record<string, string>>;
  /** Zones whose names were never read and could not be for now (the REST budget). */
  pending: Set<string>;
}

const namesWaitNoteMs = 120_000;

export async function loadRuleNames(
  deps: DiscoveryDeps,
  account: AccountInfo,
  groups: readonly AnyQueryGroup[],
  zones: readonly ZoneInfo[],
): Promise<RuleNames> {
  const out = new Map<string, Record<string, string>>();
  const pending = new Set<string>();
  const datasets = new Set(groups.filter((g) => g.usesRuleNames).map((g) => g.dataset));
  if (datasets.size === 0) return { names: out, pending };
  // Once the REST budget says no, the other zones' names are not asked for in this run:
  // they wait for the next run in which their chunk is due, as these do.
  let spent: CloudflareApiError | undefined;
  const read = async (zoneId: string) => {
    if (spent) throw spent;
    try {
      return await fetchRuleNames(deps.rest, zoneId);
    } catch (error) {
      if (error instanceof CloudflareApiError && error.kind === "rateLimited") spent = error;
      throw error;
    }
  };
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
          () => read(zone.id),
        ),
      );
    } catch (error) {
      if (error instanceof CloudflareApiError && error.kind === "rateLimited") {
        pending.add(zone.id);
        continue;
      }
      deps.logger.warn("firewall rule names could not be read; rules are labelled by ID", {
        accountId: account.id,
        zone: zone.name,
        error,
      });
    }
  }
  if (pending.size > 0) {
    deps.logger.info("firewall rule names wait for REST budget; those zones' rule-labelled groups wait too", {
      accountId: account.id,
      zones: pending.size,
    });
    // Asked for again next minute: snapshots wait until then, and a minute more for the runs
    // of that minute whose snapshots come before another item's names (rule-names-wait.ts).
    await noteRuleNamesWait(deps.store, deps.clock() + namesWaitNoteMs);
  }
  return { names: out, pending };
}
