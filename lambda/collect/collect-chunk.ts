import { CloudflareApiError } from "../cloudflare/errors.ts";
import type { DatasetSettings } from "../cloudflare/schemas.ts";
import {
  readShards,
  type Shard,
  ShardConflictError,
  type ShardUpdate,
  writeShards,
} from "../store/shards.ts";
import {
  advanceShard,
  type LabelPolicy,
  type SamplesByMinute,
  type ScopeLabels,
  samplesByMinute,
} from "./accumulate.ts";
import type { AccountInfo } from "./discovery.ts";
import type { FetchDeps, FetchSummary } from "./fetch-account.ts";
import { fetchParts, type PartOutcome } from "./fetch-parts.ts";
import type { AnyQueryGroup } from "./query-group.ts";
import type { RequestPart } from "./request.ts";
import { countableEnd, initialStart, oldestQueryable, splitRange } from "./windows.ts";

/**
 * Counts, for up to ten zones (or one account) and every query group at once, each settled
 * minute after each shard's cursor. All groups' pieces of the same round go in one request,
 * so a steady minute for ten zones is one GraphQL request whatever the number of groups.
 */
export interface Target {
  id: string;
  /** The scope label its series carry (`zone="example.com"` or `account="acme"`). */
  label: ScopeLabels;
  settings: Readonly<Record<string, DatasetSettings>>;
}

export interface ChunkContext {
  account: AccountInfo;
  summary: FetchSummary;
  /** Whether Cloudflare refused this group for this target recently (so it is not asked now). */
  isUnavailable(group: AnyQueryGroup, target: Target): boolean;
  /** Remembers a refusal that names this target. */
  markUnavailable(group: AnyQueryGroup, target: Target, error: CloudflareApiError): void;
  policyFor(target: Target): LabelPolicy;
}

interface Plan {
  group: AnyQueryGroup;
  targets: Target[];
  shards: Map<string, Shard[]>;
  oldest: Map<string, number>;
  begin: Map<string, number>;
  pieces: [number, number][];
  limit: number;
}

const maxConflictRetries = 5;

export async function collectChunk(
  deps: FetchDeps,
  context: ChunkContext,
  targets: readonly Target[],
  groups: readonly AnyQueryGroup[],
): Promise<void> {
  const { config } = deps;
  const now = deps.clock() / 1000;
  const end = countableEnd(now, config.scrapeDelaySeconds, config.timeWindowSeconds);
  const sorted = [...targets].sort((a, b) => a.id.localeCompare(b.id));
  const eligible = new Map(
    groups.map((group) => [
      group,
      sorted.filter((t) => t.settings[group.dataset]?.enabled && !context.isUnavailable(group, t)),
    ]),
  );
  for (const group of groups) {
    context.summary.zonesWithoutDataset += sorted.length - (eligible.get(group)?.length ?? 0);
  }

  const stored = await readShards(
    deps.store,
    context.account.id,
    groups.flatMap((group) =>
      (eligible.get(group) ?? []).flatMap((t) =>
        Array.from({ length: group.shards }, (_, index) => ({ group: group.name, scopeId: t.id, index })),
      ),
    ),
  );
  const plans = groups.map((group) => planOf(group, eligible.get(group) ?? [], stored, now, end, deps));

  const rows = new Map<string, unknown[]>();
  const until = new Map<string, number>();
  const failed = new Map<string, CloudflareApiError>();
  const keyOf = (plan: Plan, target: Target) => `${plan.group.name}|${target.id}`;
  try {
    const rounds = Math.max(0, ...plans.map((plan) => plan.pieces.length));
    for (let round = 0; round < rounds; round++) {
      const work: { plan: Plan; part: RequestPart; targets: Target[] }[] = [];
      for (const plan of plans) {
        const piece = plan.pieces[round];
        if (!piece) continue;
        const [from, to] = piece;
        const active = plan.targets.filter(
          (t) =>
            !failed.has(keyOf(plan, t)) && (plan.begin.get(t.id) ?? end) <= from && cursorOf(plan, t) < to,
        );
        if (active.length === 0) continue;
        work.push({
          plan,
          targets: active,
          part: { group: plan.group, scopeIds: active.map((t) => t.id), from, to, limit: plan.limit },
        });
      }
      if (work.length === 0) continue;
      // Throws only what stops the run (rate limit, rejected token); cursors then stay put.
      const outcomes: PartOutcome[] = [];
      for (let i = 0; i < work.length; i += config.maxDatasetsPerRequest) {
        const slice = work.slice(i, i + config.maxDatasetsPerRequest).map((w) => w.part);
        outcomes.push(...(await fetchParts(deps.graphql, slice)));
      }
      for (const [index, { plan, part, targets: active }] of work.entries()) {
        const outcome = outcomes[index];
        for (const target of active) {
          const answer = outcome?.get(target.id);
          const key = keyOf(plan, target);
          if (answer instanceof CloudflareApiError || answer === undefined) {
            const error = answer ?? new CloudflareApiError("transient", "missing from the answer");
            failed.set(key, error);
            // A refusal (plan, entitlement, permission) is remembered, not an error: it is
            // how Cloudflare says "not for this zone", and asking again every minute would not change it.
            if (error.kind === "forbidden") {
              context.markUnavailable(plan.group, target, error);
              context.summary.datasetsRefused += 1;
            }
            continue;
          }
          const list = rows.get(key) ?? [];
          for (const row of answer) {
            const minute = plan.group.minuteOf(row);
            if (minute >= part.from && minute < part.to) list.push(row);
          }
          rows.set(key, list);
          until.set(key, part.to);
        }
      }
    }
  } finally {
    reportFailures(context, plans, failed, keyOf);
    // What was fetched before a failure is still counted: each shard moves only as far as its rows reach.
    for (const target of sorted) {
      const work: Work[] = [];
      for (const plan of plans) {
        const to = until.get(keyOf(plan, target));
        if (to === undefined || !plan.targets.includes(target)) continue;
        const samples = samplesByMinute(
          plan.group,
          rows.get(keyOf(plan, target)) ?? [],
          target.label,
          context.policyFor(target),
        );
        work.push({ plan, samples, range: { from: plan.oldest.get(target.id) ?? 0, to } });
      }
      if (work.length > 0) await applyToTarget(deps, context, target, work);
    }
    for (const plan of plans) {
      for (const target of plan.targets) {
        const cursor = cursorOf(plan, target);
        context.summary.oldestCursor = Math.min(context.summary.oldestCursor ?? cursor, cursor);
      }
    }
  }
}

/** One error entry per distinct failure, naming every group and zone it hit (not one per pair). */
function reportFailures(
  context: ChunkContext,
  plans: readonly Plan[],
  failed: ReadonlyMap<string, CloudflareApiError>,
  keyOf: (plan: Plan, target: Target) => string,
): void {
  const byError = new Map<CloudflareApiError, { groups: Set<string>; scopes: Set<string> }>();
  for (const plan of plans) {
    for (const target of plan.targets) {
      const error = failed.get(keyOf(plan, target));
      if (!error || error.kind === "forbidden") continue;
      const entry = byError.get(error) ?? { groups: new Set(), scopes: new Set() };
      entry.groups.add(plan.group.name);
      entry.scopes.add(target.label.value);
      byError.set(error, entry);
    }
  }
  for (const [error, { groups, scopes }] of byError) {
    context.summary.errors.push({
      query: [...groups].join(","),
      zone: [...scopes].join(","),
      kind: error.kind,
      ...(error.code ? { code: error.code } : {}),
      message: error.message,
    });
  }
}

function cursorOf(plan: Plan, target: Target): number {
  return Math.min(...(plan.shards.get(target.id) ?? []).map((s) => s.cursor));
}

function planOf(
  group: AnyQueryGroup,
  targets: Target[],
  stored: readonly Shard[],
  now: number,
  end: number,
  deps: FetchDeps,
): Plan {
  const { config } = deps;
  const shards = new Map<string, Shard[]>();
  for (const target of targets) {
    const existing = stored.filter((s) => s.group === group.name && s.scopeId === target.id);
    // A shard missing beside stored ones (a crash before its first write) starts where they did.
    const start =
      existing.length > 0
        ? Math.min(...existing.map((s) => s.start))
        : initialStart(now, config.scrapeDelaySeconds, config.initialLookbackSeconds);
    shards.set(
      target.id,
      Array.from(
        { length: group.shards },
        (_, index) =>
          existing.find((s) => s.index === index) ?? {
            group: group.name,
            scopeId: target.id,
            index,
            cursor: start,
            start,
            series: {},
            lostMinutes: 0,
            dropped: {},
            stored: false,
          },
      ),
    );
  }
  const plan: Plan = {
    group,
    targets: [],
    shards,
    oldest: new Map(),
    begin: new Map(),
    pieces: [],
    limit: config.queryLimit,
  };
  plan.targets = targets.filter((t) => cursorOf(plan, t) < end);
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

interface Work {
  plan: Plan;
  samples: SamplesByMinute;
  range: { from: number; to: number };
}

/**
 * Stores every shard of a target advanced to its group's `to`: one conditional write per
 * slice (all groups' shards with one index), each only if the cursors it read are still there.
 */
async function applyToTarget(deps: FetchDeps, context: ChunkContext, target: Target, work: Work[]) {
  const advancedFrom = new Map<Plan, number>();
  for (let attempt = 0; ; attempt++) {
    const updates: (ShardUpdate & { plan: Plan; position: number })[] = [];
    for (const { plan, samples, range } of work) {
      const options = {
        ...range,
        shardCount: plan.group.shards,
        idleExpirySeconds: deps.config.seriesIdleExpirySeconds,
        maxSeriesPerFamily: Math.ceil(deps.config.maxSeriesPerFamily / plan.group.shards),
      };
      for (const [position, previous] of (plan.shards.get(target.id) ?? []).entries()) {
        const next = advanceShard(previous, samples, options);
        if (next !== previous)
          updates.push({ plan, position, previous, next: { ...next, label: target.label.value } });
      }
    }
    if (updates.length === 0) break;
    try {
      await writeShards(deps.store, context.account.id, updates, (write) => {
        context.summary.writeUnits += write.writeUnits;
        for (const shard of write.shards) {
          const update = updates.find((u) => u.next.group === shard.group && u.next.index === shard.index);
          if (!update) continue;
          recordWrite(deps, context, update, shard);
          const { plan, position, previous } = update;
          advancedFrom.set(plan, Math.min(advancedFrom.get(plan) ?? previous.cursor, previous.cursor));
          const shards = plan.shards.get(target.id);
          if (shards) shards[position] = shard;
        }
      });
      break;
    } catch (error) {
      if (!(error instanceof ShardConflictError) || attempt === maxConflictRetries) throw error;
      // Another run stored first: continue from what it stored.
      const wanted = work.flatMap(({ plan }) => plan.shards.get(target.id) ?? []);
      const fresh = await readShards(deps.store, context.account.id, wanted, { consistent: true });
      for (const { plan } of work) {
        const shards = plan.shards.get(target.id) ?? [];
        for (const [position, shard] of shards.entries()) {
          const stored = fresh.find((s) => s.group === shard.group && s.index === shard.index);
          if (stored) shards[position] = stored;
          else if (shard.stored) throw error;
        }
      }
    }
  }
  for (const { plan, range } of work) {
    const from = advancedFrom.get(plan);
    if (from !== undefined) context.summary.minutesCounted += (range.to - Math.max(from, range.from)) / 60;
  }
}

function recordWrite(
  deps: FetchDeps,
  context: ChunkContext,
  update: ShardUpdate & { plan: Plan },
  shard: Shard,
) {
  const { summary, account } = context;
  const { previous: current, plan } = update;
  summary.shardsWritten += 1;
  summary.seriesWritten += Object.keys(shard.series).length;
  const lost = shard.lostMinutes - current.lostMinutes;
  if (lost <= 0) return;
  summary.lostMinutes += lost;
  deps.logger.warn("minutes older than Cloudflare's lookback were skipped: they can no longer be fetched", {
    accountId: account.id,
    query: plan.group.name,
    zone: current.scopeId,
    lostMinutes: lost,
    from: current.cursor,
    to: plan.oldest.get(current.scopeId) ?? 0,
  });
}
