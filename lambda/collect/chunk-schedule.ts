import { fnv1a } from "../lib/hash.ts";
import * as z from "../lib/zod.ts";
import { readDocument, writeDocument } from "../store/items.ts";
import { keys, type Store } from "../store/table.ts";
import { maxZonesPerQuery } from "./limits.ts";
import type { Target } from "./run-types.ts";
import type { WorkScope } from "./work-items.ts";

/**
 * Fair widening. When the token's budget affords each zone chunk only every k minutes
 * (widening.ts), a work item collects its share of its chunks each minute (n chunks over
 * any k consecutive minutes), least recently collected first. A chunk left out (the budget
 * ran out mid-run, a Lambda timed out) goes first in the next minute instead of waiting
 * for its fixed turn k minutes later, so no chunk starves and every chunk's data age stays
 * near k minutes plus the settling delay. When and what was collected is kept per item in
 * DynamoDB; it is a schedule, not a count: losing it costs an order, never a minute.
 */

/** How many of an item's `chunks` to collect in `minute` (epoch minutes): `chunks` over any `k` in a row. */
export function chunkQuota(chunks: number, everyMinutes: number, minute: number, offset: number): number {
  if (everyMinutes <= 1) return chunks;
  const t = minute + offset;
  return Math.floor(((t + 1) * chunks) / everyMinutes) - Math.floor((t * chunks) / everyMinutes);
}

/**
 * The chunks to collect in `minute`, in order: least recently collected first (never
 * collected before all), then in list order; `quota` of them, or more when more are
 * overdue (last collected `everyMinutes` or more minutes ago: a run that stopped early
 * left them), so a missed turn is caught up from the budget it left unspent instead of
 * pushing every later turn back. `lastCollected[i]` is the minute chunk i was last collected.
 */
export function pickChunks(
  lastCollected: readonly (number | undefined)[],
  quota: number,
  minute: number,
  everyMinutes: number,
): number[] {
  const overdue = lastCollected.filter((last) => last !== undefined && last <= minute - everyMinutes).length;
  return lastCollected
    .map((last, index) => ({ last: last ?? Number.NEGATIVE_INFINITY, index }))
    .sort((a, b) => a.last - b.last || a.index - b.index)
    .slice(0, Math.max(0, quota, overdue))
    .map(({ index }) => index);
}

/** Ten zones to a chunk: one GraphQL query answers at most ten zones. */
export function chunksOf(targets: readonly Target[]): Target[][] {
  const chunks: Target[][] = [];
  for (let i = 0; i < targets.length; i += maxZonesPerQuery)
    chunks.push(targets.slice(i, i + maxZonesPerQuery));
  return chunks;
}

/** A chunk is known by its first zone: a changed zone list makes a new chunk, collected first. */
const chunkKey = (chunk: readonly Target[]) => chunk[0]?.id ?? "";

const scheduleSchema = z.record(z.string(), z.number());

/** The schedule of one work item's chunks for one run. */
export class ChunkSchedule {
  readonly #store: Store;
  readonly #accountId: string;
  readonly #sortKey: string;
  readonly #minute: number;
  readonly #last: Record<string, number>;
  readonly #kept: boolean;
  #changed = false;

  private constructor(
    store: Store,
    where: { accountId: string; sortKey: string },
    minute: number,
    last: Record<string, number> | undefined,
  ) {
    this.#store = store;
    this.#accountId = where.accountId;
    this.#sortKey = where.sortKey;
    this.#minute = minute;
    this.#kept = last !== undefined;
    this.#last = { ...last };
  }

  /** Read only when collection is widened: collecting every chunk every minute needs no order. */
  static async load(
    store: Store,
    accountId: string,
    scope: WorkScope,
    minute: number,
  ): Promise<ChunkSchedule> {
    const sortKey = keys.chunkSchedule(scope.zones ? `${scope.zones[0]}-${scope.zones[1]}` : "all");
    const widened = (scope.everyMinutes ?? 1) > 1;
    const stored = widened
      ? await readDocument(store, keys.account(accountId), sortKey, scheduleSchema)
      : undefined;
    return new ChunkSchedule(
      store,
      { accountId, sortKey },
      minute,
      widened ? (stored?.value ?? {}) : undefined,
    );
  }

  /** This minute's chunks of the item, in the order to collect them. */
  due(chunks: readonly Target[][], scope: WorkScope, accountId: string): Target[][] {
    const everyMinutes = scope.everyMinutes ?? 1;
    if (everyMinutes <= 1) return [...chunks];
    // Items and accounts start at different offsets, so each minute carries an even share.
    const offset = fnv1a(accountId) + Math.floor((scope.zones?.[0] ?? 0) / maxZonesPerQuery);
    const quota = chunkQuota(chunks.length, everyMinutes, this.#minute, offset);
    // Chunks no longer in the list (the zone list changed) are forgotten.
    for (const key of Object.keys(this.#last)) {
      if (!chunks.some((chunk) => chunkKey(chunk) === key)) delete this.#last[key];
    }
    const order = pickChunks(
      chunks.map((chunk) => this.#last[chunkKey(chunk)]),
      quota,
      this.#minute,
      everyMinutes,
    );
    return order.map((index) => chunks[index] ?? []);
  }

  /** The chunk was collected through (no stop): it goes to the back of the queue. */
  collected(chunk: readonly Target[]): void {
    if (!this.#kept) return;
    this.#last[chunkKey(chunk)] = this.#minute;
    this.#changed = true;
  }

  async save(nowMs: number): Promise<void> {
    if (!this.#changed) return;
    await writeDocument(this.#store, keys.account(this.#accountId), this.#sortKey, this.#last, nowMs);
    this.#changed = false;
  }
}
