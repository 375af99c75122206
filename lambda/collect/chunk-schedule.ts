import { fnv1a } from "../lib/hash.ts";
import { once } from "../lib/once.ts";
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
 * collected before all), then in list order; `quota` of them, and every overdue one besides
 * (last collected `everyMinutes` or more minutes ago: a run that stopped early left them),
 * so a missed turn is caught up from the budget it left unspent instead of pushing every
 * later turn back, and a never collected chunk that waits for budget (first-cycle.ts) never
 * holds an overdue one back. `lastCollected[i]` is the minute chunk i was last collected.
 */
export function pickChunks(
  lastCollected: readonly (number | undefined)[],
  quota: number,
  minute: number,
  everyMinutes: number,
): number[] {
  const isOverdue = (last: number) => last !== Number.NEGATIVE_INFINITY && last <= minute - everyMinutes;
  return lastCollected
    .map((last, index) => ({ last: last ?? Number.NEGATIVE_INFINITY, index }))
    .sort((a, b) => a.last - b.last || a.index - b.index)
    .filter(({ last }, place) => place < quota || isOverdue(last))
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

/**
 * The stored schedule: when each chunk was last collected; when each chunk that has not
 * begun first waited for budget (its counting starts there, however late it begins); and
 * the GraphQL requests the last chunk to begin took (the next one's estimate). An older
 * document holds only the first.
 */
interface Stored {
  last: Record<string, number>;
  since: Record<string, number>;
  entryCost: number;
  /** Zones whose firewall rule names wait for REST budget: asked for again every minute. */
  namesWait?: string[];
}

const nothingNoted = (): Stored => ({ last: {}, since: {}, entryCost: 0 });

/** Built at first use, so a cold start that reads no schedule does not build it. */
const scheduleSchema = once((): z.ZodMiniType<Stored> => {
  const noted = z.record(z.string(), z.number());
  return z.union([
    z.object({
      last: noted,
      since: noted,
      entryCost: z.number().check(z.int(), z.nonnegative()),
      namesWait: z.optional(z.array(z.string())),
    }),
    z.pipe(
      noted,
      z.transform((last: Record<string, number>): Stored => ({ ...nothingNoted(), last })),
    ),
  ]);
});

/** The stored schedule's key of a work item (its zone range, or all of the account's zones). */
const scheduleKey = (scope: WorkScope) =>
  keys.chunkSchedule(scope.zones ? `${scope.zones[0]}-${scope.zones[1]}` : "all");

/**
 * What a work item's stored schedule says of its first cycle: how many of its chunks wait
 * to begin (unknown without a schedule: an item that never waited nor widened keeps none,
 * and neither has an item that has not run yet), and the GraphQL requests the last one to
 * begin took (discovery widens for them).
 */
export async function firstCycleLoad(
  store: Store,
  accountId: string,
  scope: WorkScope,
): Promise<{ waiting?: number; entryCost: number }> {
  const read = await readDocument(store, keys.account(accountId), scheduleKey(scope), scheduleSchema());
  if (!read) return { entryCost: 0 };
  return { waiting: Object.keys(read.value.since).length, entryCost: read.value.entryCost };
}

/** The schedule of one work item's chunks for one run. */
export class ChunkSchedule {
  readonly #store: Store;
  readonly #accountId: string;
  readonly #sortKey: string;
  readonly #minute: number;
  #stored: Stored;
  /** Read from DynamoDB (always when widened; unwidened, once a chunk has to wait to begin). */
  #kept: boolean;
  #changed = false;
  #namesNoted = false;

  private constructor(
    store: Store,
    where: { accountId: string; sortKey: string },
    minute: number,
    stored: Stored | undefined,
  ) {
    this.#store = store;
    this.#accountId = where.accountId;
    this.#sortKey = where.sortKey;
    this.#minute = minute;
    this.#kept = stored !== undefined;
    this.#stored = stored ?? nothingNoted();
  }

  /** Read only when collection is widened: collecting every chunk every minute needs no order. */
  static async load(
    store: Store,
    accountId: string,
    scope: WorkScope,
    minute: number,
  ): Promise<ChunkSchedule> {
    const where = { accountId, sortKey: scheduleKey(scope) };
    const schedule = new ChunkSchedule(store, where, minute, undefined);
    if ((scope.everyMinutes ?? 1) > 1) await schedule.keep();
    return schedule;
  }

  /** Reads the stored schedule (once), keeping what this run noted before. */
  async keep(): Promise<void> {
    if (this.#kept) return;
    const read = await readDocument(
      this.#store,
      keys.account(this.#accountId),
      this.#sortKey,
      scheduleSchema(),
    );
    const stored = read?.value ?? nothingNoted();
    const merged: Stored = {
      last: { ...stored.last, ...this.#stored.last },
      since: { ...stored.since, ...this.#stored.since },
      entryCost: this.#stored.entryCost || stored.entryCost,
    };
    // What this run found of the names, when it asked, over what was stored.
    const namesWait = this.#namesNoted ? this.#stored.namesWait : stored.namesWait;
    if (namesWait) merged.namesWait = namesWait;
    this.#stored = merged;
    this.#kept = true;
  }

  /** This minute's chunks of the item, in the order to collect them. */
  due(chunks: readonly Target[][], scope: WorkScope, accountId: string): Target[][] {
    const everyMinutes = scope.everyMinutes ?? 1;
    if (everyMinutes <= 1) return [...chunks];
    // Items and accounts start at different offsets, so each minute carries an even share.
    const offset = fnv1a(accountId) + Math.floor((scope.zones?.[0] ?? 0) / maxZonesPerQuery);
    const quota = chunkQuota(chunks.length, everyMinutes, this.#minute, offset);
    // Chunks no longer in the list (the zone list changed) are forgotten.
    const present = new Set(chunks.map(chunkKey));
    for (const noted of [this.#stored.last, this.#stored.since]) {
      for (const key of Object.keys(noted)) if (!present.has(key)) delete noted[key];
    }
    // A chunk never collected may not have begun: its counting starts from when it was first seen.
    for (const chunk of chunks) {
      const key = chunkKey(chunk);
      if (this.#stored.last[key] === undefined && this.#stored.since[key] === undefined) {
        this.#stored.since[key] = this.#minute;
        this.#changed = true;
      }
    }
    const order = pickChunks(
      chunks.map((chunk) => this.#stored.last[chunkKey(chunk)]),
      quota,
      this.#minute,
      everyMinutes,
    );
    return order.map((index) => chunks[index] ?? []);
  }

  /** When each of `chunks` collected in turn was last collected (noted before, or in this run). */
  lastCollected(chunks: readonly Target[][]): number[] {
    return chunks.flatMap((chunk) => this.#stored.last[chunkKey(chunk)] ?? []);
  }

  /** Zones whose rule names waited for REST budget when last asked for (kept schedules only). */
  get namesWaiting(): ReadonlySet<string> {
    return new Set(this.#stored.namesWait ?? []);
  }

  /** The zones whose rule names wait now: asked for again next minute, due or not. */
  namesWait(zoneIds: ReadonlySet<string>): void {
    // Noted even when unchanged: a schedule read later (keep) must not put back a list this run outdated.
    this.#namesNoted = true;
    const before = this.#stored.namesWait ?? [];
    if (before.length === zoneIds.size && before.every((id) => zoneIds.has(id))) return;
    if (zoneIds.size === 0) delete this.#stored.namesWait;
    else this.#stored.namesWait = [...zoneIds];
    this.#changed = true;
  }

  /** Whether the chunk has been collected in turn (it has begun). */
  hasBegun(chunk: readonly Target[]): boolean {
    return this.#stored.last[chunkKey(chunk)] !== undefined;
  }

  /** The minute of this run (epoch minutes). */
  get minute(): number {
    return this.#minute;
  }

  /** The minute (epoch minutes) the chunk first waited to begin, if it did. */
  waitingSince(chunk: readonly Target[]): number | undefined {
    return this.#stored.since[chunkKey(chunk)];
  }

  /** GraphQL requests the last chunk to begin took (0: none has yet). */
  get entryCost(): number {
    return this.#stored.entryCost;
  }

  /** The chunk was collected through (no stop): it goes to the back of the queue. */
  collected(chunk: readonly Target[]): void {
    delete this.#stored.since[chunkKey(chunk)];
    this.#stored.last[chunkKey(chunk)] = this.#minute;
    this.#changed = true;
  }

  /** The chunk began (its first collection, `requests` GraphQL requests): it joins the rotation. */
  began(chunk: readonly Target[], requests: number): void {
    this.#stored.entryCost = requests;
    this.collected(chunk);
  }

  /** The chunk has to wait for budget to begin: its counting will start where it would have now. */
  waits(chunk: readonly Target[]): void {
    this.#stored.since[chunkKey(chunk)] ??= this.#minute;
    this.#changed = true;
  }

  /** Written when read (a widened item, or one whose chunks wait to begin) and changed. */
  async save(nowMs: number): Promise<void> {
    if (!this.#kept || !this.#changed) return;
    await writeDocument(this.#store, keys.account(this.#accountId), this.#sortKey, this.#stored, nowMs);
    this.#changed = false;
  }
}
