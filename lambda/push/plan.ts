import { shardOf } from "../collect/accumulate.ts";
import type { ShardWrite } from "../collect/run-types.ts";
import type { PushSample } from "../store/push-journal.ts";
import type { Shard } from "../store/shards.ts";

export type { PushSample } from "../store/push-journal.ts";

/**
 * Which samples a state write gives the receiver, and which of the waiting ones can still
 * be placed. Pure: shards and samples in, samples out.
 *
 * A counter carries its cumulative value stamped at the end of the newest minute it counts
 * (minute m's count lands at m+60), so the increase between two samples is exactly the
 * Cloudflare minutes between them. A new counter starts with a 0 at its first minute.
 * Every counter of an advanced shard also gets a sample at the shard's new cursor, so a
 * quiet series stays fresh. A gauge carries each bucket's value at that bucket's time, and
 * a REST snapshot's gauges their value at the time the snapshot was taken. A shard's
 * samples only ever lie after its previous cursor: no series goes backwards.
 */
export function shardId(shard: Pick<Shard, "group" | "scopeId" | "index">): string {
  return `${shard.group}#${shard.scopeId}#${shard.index}`;
}

export function samplesOfWrite(write: ShardWrite): PushSample[] {
  const { before, after, samples } = write;
  const out: PushSample[] = [];
  const last = new Map<string, number>();
  const emit = (key: string, t: number, v: number) => {
    out.push({ key, t, v });
    last.set(key, t);
  };
  const running = new Map<string, number>();
  for (const [key, state] of Object.entries(after.series)) {
    if (state.t === "g") continue;
    const previous = before.series[key];
    running.set(key, previous?.v ?? 0);
    if (!previous) emit(key, state.f * 1000, 0);
  }
  const begin = Math.max(before.cursor, write.from);
  const minutes = [...samples.keys()].filter((m) => m >= begin && m < after.cursor).sort((a, b) => a - b);
  for (const minute of minutes) {
    for (const [key, sample] of samples.get(minute) ?? []) {
      if (!(key in after.series) || shardOf(key, write.shardCount) !== after.index) continue;
      if (sample.type === "gauge") {
        emit(key, minute * 1000, sample.value);
        continue;
      }
      const total = (running.get(key) ?? 0) + sample.value;
      running.set(key, total);
      emit(key, (minute + 60) * 1000, total);
    }
  }
  for (const [key, state] of Object.entries(after.series)) {
    if (state.t !== "g" && last.get(key) !== after.cursor * 1000) emit(key, after.cursor * 1000, state.v);
    // A gauge whose bucket is newer than the shard before yet was in no applied minute (a
    // REST snapshot's, taken at its cursor) carries its value at that bucket's time.
    else if (state.t === "g" && state.b >= begin && !last.has(key)) emit(key, state.b * 1000, state.v);
  }
  return out;
}

/** A shard that counts (snapshot shards hold gauges only): minutes missing from its journal are folded. */
export function hasCounters(shard: Shard): boolean {
  return Object.values(shard.series).some((state) => state.t !== "g");
}

/**
 * The samples a shard's stored state still gives when the journal has not seen it up to its
 * cursor: a run stored the shard and stopped before it journaled the write (a crash). Its
 * per-minute detail is gone; the cumulative value at the cursor is exact, so the minutes
 * between are folded into that one sample. Without a journal entry at all (the push was
 * just turned on), the same sample is the series' starting point.
 */
export function samplesOfState(shard: Shard, journaledCursor: number | undefined): PushSample[] {
  if (!shard.stored || (journaledCursor !== undefined && journaledCursor >= shard.cursor)) return [];
  const since = journaledCursor ?? shard.cursor;
  const out: PushSample[] = [];
  for (const [key, state] of Object.entries(shard.series)) {
    if (state.t !== "g") out.push({ key, t: shard.cursor * 1000, v: state.v });
    else if (state.b >= since) out.push({ key, t: state.b * 1000, v: state.v });
  }
  return out;
}

/**
 * Splits the waiting samples at the receiver's window: those at or after `oldestMs` can be
 * sent; older ones can no longer be placed. Dropping them keeps every total exact, since a
 * counter's next sample carries the whole cumulative value. Also says how many distinct
 * minutes were folded, for the self-metric.
 */
export function foldOlderThan(
  pending: readonly PushSample[],
  oldestMs: number,
): { kept: PushSample[]; foldedMinutes: number } {
  const kept: PushSample[] = [];
  const folded = new Set<number>();
  for (const sample of pending) {
    if (sample.t >= oldestMs) kept.push(sample);
    else folded.add(Math.floor(sample.t / 60_000));
  }
  return { kept, foldedMinutes: folded.size };
}

/**
 * Requests of at most `max` samples, oldest first: sent in order and stopped at the first
 * failure, a series' later samples never reach the receiver before its earlier ones.
 * Within a request, each series' samples are grouped and in time order.
 */
export function batches(pending: readonly PushSample[], max: number): PushSample[][] {
  const sorted = [...pending].sort((a, b) => a.t - b.t || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const out: PushSample[][] = [];
  for (let i = 0; i < sorted.length; i += max) out.push(sorted.slice(i, i + max));
  return out;
}
