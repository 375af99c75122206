/**
 * Deterministic randomness: every value the traffic model produces is a pure function of
 * the world seed and what it describes (zone, minute, ...), so two simulators with the
 * same seed answer every query identically, in any order.
 */

/** 32-bit FNV-1a hash of a string: the exporter's own, so the two can never differ. */
import { fnv1a as hash32 } from "../../lambda/lib/hash.ts";

export { hash32 };

/** A seeded generator (mulberry32) with the helpers the traffic model needs. */
export class Random {
  #state: number;

  constructor(...key: (string | number)[]) {
    this.#state = hash32(key.join("\u0000"));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError("pick from an empty list");
    return item;
  }

  /** Picks by weight; `items` are [value, weight] pairs. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of items) {
      roll -= weight;
      if (roll < 0) return value;
    }
    const last = items[items.length - 1];
    if (last === undefined) throw new RangeError("weighted pick from an empty list");
    return last[0];
  }
}

/** A stable 32-hex-digit identifier (the shape of Cloudflare account and zone IDs). */
export function hexId(...key: string[]): string {
  const random = new Random("id", ...key);
  let out = "";
  while (out.length < 32) {
    out += Math.floor(random.next() * 4294967296)
      .toString(16)
      .padStart(8, "0");
  }
  return out;
}
