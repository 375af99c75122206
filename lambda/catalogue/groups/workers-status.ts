import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, timeSchema } from "../query-group.ts";

/**
 * Worker invocations per script by how they ended (`status`: success, clientDisconnected,
 * scriptThrewException, exceededResources, …) from `workersInvocationsAdaptive`. A group of
 * its own: grouping `workers` by status would split the quantiles of its rows, which cannot
 * be merged; counts can, and here each row is one script, status and minute.
 */
const rowSchema = () =>
  z.object({
    dimensions: z.object({ datetimeMinute: timeSchema(), scriptName: z.string(), status: z.string() }),
    sum: z.object({ requests: countSchema() }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

export const workersStatus = adaptiveGroup<Row>({
  name: "workers-status",
  scope: "account",
  dataset: "workersInvocationsAdaptive",
  shards: 1,
  rowSchema,
  series: [
    each(
      counter(
        "cloudflare_worker_requests_by_status_total",
        "Worker invocations by script and how they ended (the invocation's status)",
        ["script_name", "status"],
      ),
      (r) => r.sum.requests,
      (r) => ({ script_name: r.dimensions.scriptName, status: r.dimensions.status }),
      { skipZero: true },
    ),
  ],
});
