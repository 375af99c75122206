/** The most calls in any 5 minutes, Cloudflare's budget window (times in ms, ascending). */
export function mostIn5Minutes(times: readonly number[]): number {
  let most = 0;
  let first = 0;
  for (let last = 0; last < times.length; last++) {
    while ((times[first] ?? 0) <= (times[last] ?? 0) - 300_000) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
