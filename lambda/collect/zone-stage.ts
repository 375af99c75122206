import type { AnyQueryGroup } from "../catalogue/query-group.ts";
import type { Availability } from "./availability.ts";
import { ChunkSchedule, chunksOf } from "./chunk-schedule.ts";
import { type ChunkContext, collectChunk } from "./collect-chunk.ts";
import type { AccountInfo, ZoneInfo } from "./discovery.ts";
import { loadRuleNames } from "./rule-name-cache.ts";
import { addCounts, type FetchDeps, noCounts, type PhaseResult, type Target } from "./run-types.ts";
import type { WorkScope } from "./work-items.ts";

/**
 * The zones stage of a run: this minute's chunks of the item (all, or under widening its
 * share, least recently collected first: chunk-schedule.ts), the firewall rule names of
 * their zones only (so a large estate's first cycle reads them chunk by chunk, as each is
 * due, inside the REST budget), then each chunk in turn.
 */
export interface ZoneStage {
  /** The chunks due this minute, in order. */
  chunks: Target[][];
  context: ChunkContext;
  schedule: ChunkSchedule;
}

export async function prepareZoneStage(
  deps: FetchDeps,
  account: AccountInfo,
  scope: WorkScope,
  zones: readonly ZoneInfo[],
  rest: { zoneGroups: readonly AnyQueryGroup[]; availability: Availability },
): Promise<ZoneStage> {
  const scheduled = Date.parse(scope.scheduledTime ?? "");
  const minute = Math.floor((Number.isNaN(scheduled) ? deps.clock() : scheduled) / 60_000);
  const schedule = await ChunkSchedule.load(deps.store, account.id, scope, minute);
  const targets: Target[] = zones.map((zone) => ({
    id: zone.id,
    label: { name: "zone", value: zone.name },
    settings: zone.settings,
    plan: zone.plan,
  }));
  const chunks = schedule.due(chunksOf(targets), scope, account.id);
  const due = new Set(chunks.flat().map((target) => target.id));
  const context = await chunkContext(
    deps,
    account,
    rest.zoneGroups,
    zones.filter((zone) => due.has(zone.id)),
    rest.availability,
  );
  return { chunks, context, schedule };
}

/** Rule names of the due zones, and what the chunks need to know of refusals and labels. */
async function chunkContext(
  deps: FetchDeps,
  account: AccountInfo,
  zoneGroups: readonly AnyQueryGroup[],
  zones: readonly ZoneInfo[],
  availability: Availability,
): Promise<ChunkContext> {
  const log = deps.logger.child({ accountId: account.id });
  const ruleNames = await loadRuleNames(deps, account, zoneGroups, zones);
  const policy = { excludeHost: deps.config.excludeHost, httpStatusGroup: deps.config.httpStatusGroup };
  return {
    account,
    isUnavailable: (group, target) => availability.isUnavailable(group.name, target.id),
    // A zone whose rule names wait for REST budget: its rule-labelled groups wait with them,
    // their shards kept at the zone's start, and catch up once the names are read.
    isWaiting: (group, target) => group.usesRuleNames === true && ruleNames.pending.has(target.id),
    markUnavailable: (group, target, error) => {
      availability.mark(group.name, target.id, deps.config.unavailableRetrySeconds, error.message);
      log.warn("Cloudflare refused a dataset for this zone or account; it is left alone for a while", {
        query: group.name,
        scope: target.label.value,
        retrySeconds: deps.config.unavailableRetrySeconds,
        reason: error.message,
      });
    },
    policyFor: (target) => ({ ...policy, ruleNames: ruleNames.names.get(target.id) ?? {} }),
  };
}

/** Each due chunk in turn; one collected through goes to the back of the schedule; a stop ends the stage. */
export async function collectZones(
  deps: FetchDeps,
  stage: ZoneStage,
  groups: readonly AnyQueryGroup[],
): Promise<PhaseResult> {
  let counts = noCounts();
  for (const chunk of stage.chunks) {
    const result = await collectChunk(deps, stage.context, chunk, groups);
    counts = addCounts(counts, result.counts);
    if (result.stop !== undefined) return { counts, stop: result.stop };
    stage.schedule.collected(chunk);
  }
  return { counts };
}
