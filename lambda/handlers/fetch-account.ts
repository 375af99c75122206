import { type FetchDeps, type FetchSummary, fetchAccount } from "../collect/fetch-account.ts";
import { runMetricsLine } from "../collect/run-metrics.ts";
import { workItemSchema } from "../collect/work-items.ts";
import { runtimeFromEnvironment } from "./environment.ts";

/** One Map iteration: collect one account. The summary returned stays small (Step Functions caps payloads at 256 KB). */
export const fetchInputSchema = workItemSchema;

const maxErrorsReturned = 10;

export async function fetchOne(
  deps: FetchDeps,
  event: unknown,
): Promise<FetchSummary & { errorCount: number }> {
  const input = fetchInputSchema().parse(event);
  const summary = await fetchAccount(deps, { id: input.accountId, name: input.accountName }, input);
  return {
    ...summary,
    errorCount: summary.errors.length,
    errors: summary.errors.slice(0, maxErrorsReturned),
  };
}

export const handler = async (event: unknown) => {
  const summary = await fetchOne(await runtimeFromEnvironment(), event);
  // The stack names the namespace; without one (local mode) there is no CloudWatch to feed.
  const namespace = process.env.METRICS_NAMESPACE;
  // Straight to stdout: an EMF line must be the whole log event, unprefixed.
  if (namespace) process.stdout.write(`${runMetricsLine(summary, Date.now(), namespace)}\n`);
  return summary;
};
