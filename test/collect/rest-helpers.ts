import { seriesKey } from "../../lambda/catalogue/series-key.ts";
import type { SnapshotSample } from "../../lambda/catalogue/snapshot-group.ts";
import { CloudflareApiError } from "../../lambda/cloudflare/errors.ts";
import { RateLimiter } from "../../lambda/cloudflare/rate-limiter.ts";
import { CloudflareRestClient } from "../../lambda/cloudflare/rest-client.ts";
import type { FetchDeps } from "../../lambda/collect/fetch-account.ts";
import type { Simulator } from "../../local/simulator/server.ts";

export interface RecordingRestClient {
  rest: CloudflareRestClient;
  /** Every request sent, as path and query below the API base (`/zones/…?page=1&per_page=50`). */
  requests: string[];
}

/**
 * A REST client wired as `lambda/collect/runtime.ts` wires it, talking to the simulator
 * over HTTP. `fetch` may stand in for the network (to answer something Cloudflare might);
 * requests are recorded either way. Retries do not wait.
 */
export function restClient(
  simulator: Simulator,
  options: { token?: string; fetch?: typeof fetch; maxAttempts?: number } = {},
): RecordingRestClient {
  const requests: string[] = [];
  const send = options.fetch ?? fetch;
  const noWait = async () => {};
  const recording: typeof fetch = (input, init) => {
    requests.push(String(input).slice(simulator.baseUrl.length));
    return send(input, init);
  };
  const clock = () => simulator.clock.now();
  const rest = new CloudflareRestClient({
    baseUrl: simulator.baseUrl,
    token: options.token ?? "sim-token",
    timeoutMs: 5_000,
    limiter: new RateLimiter({ limit: 1_000, windowSeconds: 300, clock, sleep: noWait }),
    retry: { maxAttempts: options.maxAttempts ?? 2, baseDelayMs: 0, sleep: noWait, random: () => 0 },
    maxLimiterWaitMs: 0,
    fetch: recording,
  });
  return { rest, requests };
}

/** Samples in series order, so comparisons do not depend on the order they were produced in. */
export function bySeries(samples: readonly SnapshotSample[]): SnapshotSample[] {
  return [...samples].sort((a, b) =>
    seriesKey(a.family, a.labels).localeCompare(seriesKey(b.family, b.labels)),
  );
}

/** An RFC 3339 time as Unix seconds. */
export function unixSeconds(iso: string | undefined): number {
  if (iso === undefined) throw new Error("no time");
  return Date.parse(iso) / 1000;
}

/** The run's own REST limiter refusing the rulesets (of one zone, or all), as when the budget is spent. */
export function rulesetsOutOfBudget(deps: FetchDeps, zoneId?: string): FetchDeps {
  const list = deps.rest.list.bind(deps.rest);
  deps.rest.list = async (path, schema, query) => {
    if (path.includes(zoneId === undefined ? "/rulesets" : `/zones/${zoneId}/rulesets`)) {
      throw new CloudflareApiError("rateLimited", `${path}: this run's request budget is spent`);
    }
    return list(path, schema, query);
  };
  return deps;
}
