/** Milliseconds since the epoch; injected so tests drive time. */
export type Clock = () => number;
export type Sleep = (ms: number) => Promise<void>;

export const systemClock: Clock = () => Date.now();
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const minute = 60;

/** Start of the minute containing `unixSeconds`. */
export function floorMinute(unixSeconds: number): number {
  return Math.floor(unixSeconds / minute) * minute;
}

export function ceilMinute(unixSeconds: number): number {
  return Math.ceil(unixSeconds / minute) * minute;
}

/** RFC 3339 without milliseconds, as Cloudflare writes `Time` values. */
export function toIsoSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z");
}
