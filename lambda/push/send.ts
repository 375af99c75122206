import { parseSeriesKey } from "../catalogue/series-key.ts";
import { authHeaders, type RemoteWriteAuth } from "./auth.ts";
import type { PushSample } from "./plan.ts";
import { remoteWriteHeaders, type TimeSeries, writeRequestBody } from "./write-request.ts";

/** Where pushes go and how they authenticate. */
export interface RemoteWriteTarget {
  url: URL;
  auth: RemoteWriteAuth;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/**
 * What the receiver made of one request. Remote write's rules: 2xx accepted; 429 and 5xx
 * (and no answer at all) are worth retrying; any other 4xx will fail the same way again,
 * so the batch is dropped and counted.
 */
export type SendOutcome =
  | { kind: "accepted" }
  | { kind: "retry"; reason: string }
  | { kind: "rejected"; status: number; reason: string };

export function timeSeriesOf(samples: readonly PushSample[]): TimeSeries[] {
  const byKey = new Map<string, { timestamp: number; value: number }[]>();
  for (const { key, t, v } of samples) {
    const points = byKey.get(key) ?? [];
    points.push({ timestamp: t, value: v });
    byKey.set(key, points);
  }
  return [...byKey].map(([key, points]) => {
    const { name, labels } = parseSeriesKey(key);
    const unique = new Map(points.map((p) => [p.timestamp, p]));
    return {
      labels: { ...Object.fromEntries(labels), __name__: name },
      samples: [...unique.values()].sort((a, b) => a.timestamp - b.timestamp),
    };
  });
}

export async function sendSamples(
  target: RemoteWriteTarget,
  samples: readonly PushSample[],
  now: Date,
): Promise<SendOutcome> {
  const body = writeRequestBody(timeSeriesOf(samples));
  const signed = await authHeaders(
    target.auth,
    {
      method: "POST",
      url: target.url,
      headers: { ...remoteWriteHeaders, "content-length": String(body.byteLength) },
      body,
    },
    now,
  );
  // fetch sets host and content-length itself, to the values that were signed.
  const { host: _host, "content-length": _length, ...headers } = signed;
  let response: Response;
  try {
    response = await (target.fetch ?? fetch)(target.url, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (error) {
    return { kind: "retry", reason: error instanceof Error ? error.message : String(error) };
  }
  const text = (await response.text().catch(() => "")).slice(0, 300).trim();
  if (response.ok) return { kind: "accepted" };
  const reason = `HTTP ${response.status}${text ? `: ${text}` : ""}`;
  if (response.status === 429 || response.status >= 500) return { kind: "retry", reason };
  return { kind: "rejected", status: response.status, reason };
}
