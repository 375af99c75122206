import { CloudflareApiError, stopsTheRun } from "../cloudflare/errors.ts";
import type { CloudflareGraphqlClient } from "../cloudflare/graphql-client.ts";
import { type PartResult, partOfError, type RequestPart, sendRequest } from "./request.ts";
import { isRefusedForSize } from "./request-ceiling.ts";
import { halve } from "./windows.ts";

/** Per part: scope ID → its rows, or why that zone (or account) could not be fetched. */
export type PartOutcome = Map<string, unknown[] | CloudflareApiError>;

/**
 * A request that timed out over a long range (a catch-up after an outage) is asked again in
 * smaller pieces: each part alone, then halves of its range. A steady minute is never split
 * this way, so an outage costs no extra requests.
 */
const splitOnTimeoutSeconds = 600;
const timedOut = (error: CloudflareApiError) => error.kind === "transient" && error.code === "timeout";

/**
 * Fetches the parts in one request, and isolates what went wrong: a part refused because
 * of one of its zones (a plan, a field) is fetched again on its own, and the others
 * together again; a part that reached `limit` is fetched again in halves. The common case,
 * every part answered, costs one request.
 */
export async function fetchParts(
  graphql: CloudflareGraphqlClient,
  parts: readonly RequestPart[],
): Promise<PartOutcome[]> {
  let results: PartResult[];
  try {
    results = await sendRequest(graphql, parts);
  } catch (error) {
    if (!(error instanceof CloudflareApiError) || stopsTheRun(error) || isRefusedForSize(error)) throw error;
    const [only] = parts;
    if (only && parts.length === 1) return [await fetchPart(graphql, only, error)];
    if (timedOut(error) && parts.some((part) => part.to - part.from >= splitOnTimeoutSeconds)) {
      const out: PartOutcome[] = [];
      for (const part of parts) out.push(...(await fetchParts(graphql, [part])));
      return out;
    }
    if (error.kind !== "forbidden" && error.kind !== "badRequest") {
      // Transient: nothing to isolate; every part fails alike and is retried next run.
      return parts.map((part) => failAll(part, error));
    }
    const culprit = partOfError(error)?.part;
    const blamed = culprit === undefined ? undefined : parts[culprit];
    if (culprit === undefined || !blamed) {
      const out: PartOutcome[] = [];
      for (const part of parts) out.push(...(await fetchParts(graphql, [part])));
      return out;
    }
    const alone = await fetchPart(graphql, blamed, error);
    const others = await fetchParts(
      graphql,
      parts.filter((_, index) => index !== culprit),
    );
    others.splice(culprit, 0, alone);
    return others;
  }
  const out: PartOutcome[] = [];
  for (const [index, part] of parts.entries()) {
    const result = results[index];
    if (result === undefined || result instanceof CloudflareApiError) {
      out.push(failAll(part, result ?? new CloudflareApiError("transient", "part missing from the answer")));
    } else if ([...result.values()].some((rows) => rows.length >= part.limit)) {
      out.push(await fetchPart(graphql, part, result));
    } else {
      out.push(complete(part, result));
    }
  }
  return out;
}

function failAll(part: RequestPart, error: CloudflareApiError): PartOutcome {
  return new Map(part.scopeIds.map((id) => [id, error]));
}

function complete(part: RequestPart, result: Map<string, unknown[]>): PartOutcome {
  return new Map(
    part.scopeIds.map((id) => [
      id,
      // A zone without rows in the range is simply absent from Cloudflare's answer.
      result.get(id) ?? [],
    ]),
  );
}

/**
 * One part on its own: a refusal naming one zone drops that zone and repeats without it
 * (a refusal naming none is retried zone by zone); a result that reaches `limit` is fetched
 * again in halves (by time, then by zone). `known` is what the combined request already
 * got for this part, so it is not asked again.
 */
async function fetchPart(
  graphql: CloudflareGraphqlClient,
  part: RequestPart,
  known?: PartResult,
): Promise<PartOutcome> {
  const out: PartOutcome = new Map();
  let result: PartResult;
  try {
    if (known instanceof CloudflareApiError) throw known;
    const [answer] = known ? [known] : await sendRequest(graphql, [part]);
    result = answer ?? new CloudflareApiError("transient", "part missing from the answer");
  } catch (error) {
    if (!(error instanceof CloudflareApiError) || stopsTheRun(error) || isRefusedForSize(error)) throw error;
    if (timedOut(error) && part.to - part.from >= splitOnTimeoutSeconds) return halves(graphql, part);
    if (part.scopeIds.length > 1 && (error.kind === "forbidden" || error.kind === "badRequest")) {
      const index = partOfError(error)?.scopeIndex;
      const culprit = index === undefined ? undefined : part.scopeIds[index];
      if (culprit) {
        out.set(culprit, error);
        const rest = part.scopeIds.filter((id) => id !== culprit);
        merge(out, await fetchPart(graphql, { ...part, scopeIds: rest }));
      } else {
        for (const id of part.scopeIds) merge(out, await fetchPart(graphql, { ...part, scopeIds: [id] }));
      }
      return out;
    }
    return failAll(part, error);
  }
  if (result instanceof CloudflareApiError) return failAll(part, result);
  if (![...result.values()].some((rows) => rows.length >= part.limit)) return complete(part, result);
  if (part.to - part.from > 60) return halves(graphql, part);
  if (part.scopeIds.length > 1) {
    for (const id of part.scopeIds) merge(out, await fetchPart(graphql, { ...part, scopeIds: [id] }));
    return out;
  }
  return failAll(
    part,
    new CloudflareApiError("badRequest", `more than ${part.limit} rows in one minute; raise QUERY_LIMIT`),
  );
}

/** The part's range in two halves, fetched one after the other and joined per scope. */
async function halves(graphql: CloudflareGraphqlClient, part: RequestPart): Promise<PartOutcome> {
  const out: PartOutcome = new Map();
  const [first, second] = halve(part.from, part.to);
  const a = await fetchPart(graphql, { ...part, from: first[0], to: first[1] });
  const b = await fetchPart(graphql, { ...part, from: second[0], to: second[1] });
  for (const id of part.scopeIds) {
    const x = a.get(id);
    const y = b.get(id);
    out.set(
      id,
      // A failed first half fails the scope (its cursor must not pass the gap); a failed
      // second half keeps nothing either: the next run fetches the whole range again.
      x instanceof CloudflareApiError
        ? x
        : y instanceof CloudflareApiError
          ? y
          : [...(x ?? []), ...(y ?? [])],
    );
  }
  return out;
}

function merge(into: PartOutcome, from: PartOutcome): void {
  for (const [key, value] of from) into.set(key, value);
}
