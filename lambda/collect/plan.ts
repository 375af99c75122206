import type { AnyQueryGroup } from "../catalogue/query-group.ts";
import type { Config } from "../config/config.ts";
import type { Shard } from "../store/shards.ts";
import type { RequestPart } from "./request.ts";
import type { Target } from "./run-types.ts";
import { initialStart, oldestQueryable, splitRange } from "./windows.ts";

/**
 * The plan of a run's chunk, pure: from the stored cursors and the settings, what to ask
 * Cloudflare for (each group's targets and time pieces). No I/O.
 */
export interface Plan {
  group: AnyQueryGroup;
  targets: Target[];
  shards: Map<string, Shard[]>;
  oldest: Map<string, number>;
  begin: Map<string, number>;
  pieces: [number, number][];
  limit: number;
}

type PlanSettings = Pick<Config, "scrapeDelaySeconds" | "initialLookbackSeconds" | "queryLimit">;

/** Per group, the targets that have its dataset (and not the one it stands in for) and were not refused it lately. */
export function eligibleTargets(
  groups: readonly AnyQueryGroup[],
  targets: readonly Target[],
  isUnavailable: (group: AnyQueryGroup, target: Target) => boolean,
): Map<AnyQueryGroup, Target[]> {
  const sorted = [...targets].sort((a, b) => a.id.localeCompare(b.id));
  return new Map(
    groups.map((group) => [
      group,
      sorted.filter(
        (t) => t.settings[group.dataset]?.enabled && !standsAside(group, t) && !isUnavailable(group, t),
      ),
    ]),
  );
}

/**
 * A group that stands in for another dataset runs only where that dataset is not enabled,
 * so no zone counts one family from two sources; a group `onlyWith` another dataset, only
 * where that one is enabled; a group for some `plans`, only for zones on them.
 */
function standsAside(group: AnyQueryGroup, target: Target): boolean {
  if (group.plans !== undefined && target.plan !== undefined && !group.plans.includes(target.plan))
    return true;
  if (group.onlyWith !== undefined && target.settings[group.onlyWith]?.enabled !== true) return true;
  return group.standsInFor !== undefined && target.settings[group.standsInFor]?.enabled !== false;
}

/** The shards to read before planning: every shard of every eligible target. */
export function shardRefs(
  eligible: ReadonlyMap<AnyQueryGroup, readonly Target[]>,
): Pick<Shard, "group" | "scopeId" | "index">[] {
  return [...eligible].flatMap(([group, targets]) =>
    targets.flatMap((t) =>
      Array.from({ length: group.shards }, (_, index) => ({ group: group.name, scopeId: t.id, index })),
    ),
  );
}

export function cursorOf(plan: Pick<Plan, "shards">, target: Target): number {
  return Math.min(...(plan.shards.get(target.id) ?? []).map((s) => s.cursor));
}

/** A target's shards as stored; one missing beside stored ones (a crash before its first write) starts where they did. */
function shardsOf(group: AnyQueryGroup, target: Target, stored: readonly Shard[], start: number): Shard[] {
  const existing = stored.filter((s) => s.group === group.name && s.scopeId === target.id);
  const from = existing.length > 0 ? Math.min(...existing.map((s) => s.start)) : start;
  return Array.from(
    { length: group.shards },
    (_, index) =>
      existing.find((s) => s.index === index) ?? {
        group: group.name,
        scopeId: target.id,
        index,
        cursor: from,
        start: from,
        series: {},
        lostMinutes: 0,
        dropped: {},
        stored: false,
      },
  );
}

/**
 * `since` (Unix seconds): the time a chunk that has not begun first waited to (first-cycle.ts);
 * its zones start counting where they would have then. Absent: now.
 */
export function planOf(
  group: AnyQueryGroup,
  targets: readonly Target[],
  stored: readonly Shard[],
  now: number,
  end: number,
  config: PlanSettings,
  since = now,
): Plan {
  const start = initialStart(Math.min(now, since), config.scrapeDelaySeconds, config.initialLookbackSeconds);
  const shards = new Map(targets.map((t) => [t.id, shardsOf(group, t, stored, start)]));
  const plan: Plan = {
    group,
    targets: targets.filter((t) => cursorOf({ shards }, t) < end),
    shards,
    oldest: new Map(),
    begin: new Map(),
    pieces: [],
    limit: config.queryLimit,
  };
  const settings = plan.targets.map((t) => t.settings[group.dataset]).filter((s) => s !== undefined);
  if (settings.length === 0) return plan;
  const maxDuration = Math.min(...settings.map((s) => s.maxDuration));
  plan.limit = Math.min(config.queryLimit, ...settings.map((s) => s.maxPageSize || config.queryLimit));
  // Each target starts at its cursor, or at the oldest minute its plan still answers for.
  for (const t of plan.targets) {
    const oldest = oldestQueryable(now, t.settings[group.dataset]?.notOlderThan ?? 0);
    plan.oldest.set(t.id, oldest);
    plan.begin.set(t.id, Math.max(cursorOf(plan, t), oldest));
  }
  // Pieces break where a target starts, so a zone joins a query only from its own start on:
  // a query reaching further back than one zone's plan allows would be refused for all.
  const starts = [...new Set(plan.begin.values())].filter((t) => t < end).sort((a, b) => a - b);
  plan.pieces = starts.flatMap((from, i) => splitRange(from, starts[i + 1] ?? end, maxDuration));
  return plan;
}

/** A part of a request, or the share of its zones that fits, and which caller's part it is. */
export interface Piece {
  index: number;
  part: RequestPart;
}

/**
 * The next request from the front of the queue, and what is left: at most `size` queries
 * (scopes × dataset nodes, the account's learned per-request ceiling) and `maxParts`
 * dataset nodes (the operator's cap). A part of which only some zones fit is split by zones.
 */
export function nextRequest(queue: readonly Piece[], size: number, maxParts: number): [Piece[], Piece[]] {
  const taken: Piece[] = [];
  let used = 0;
  for (const [i, piece] of queue.entries()) {
    const scopes = piece.part.scopeIds;
    if (taken.length >= maxParts) return [taken, queue.slice(i)];
    if (used + scopes.length <= size) {
      taken.push(piece);
      used += scopes.length;
      continue;
    }
    const room = Math.floor(size - used);
    if (room <= 0) return [taken, queue.slice(i)];
    taken.push({ index: piece.index, part: { ...piece.part, scopeIds: scopes.slice(0, room) } });
    const left = { index: piece.index, part: { ...piece.part, scopeIds: scopes.slice(room) } };
    return [taken, [left, ...queue.slice(i + 1)]];
  }
  return [taken, []];
}

/** Whether the chunk has not begun: something to count, and none of its shards stored. */
export function notBegun(plans: readonly Plan[]): boolean {
  const shards = plans.flatMap((plan) => plan.targets.flatMap((t) => plan.shards.get(t.id) ?? []));
  return shards.length > 0 && shards.every((shard) => !shard.stored);
}
