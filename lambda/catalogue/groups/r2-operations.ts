import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, timeSchema } from "../query-group.ts";

/**
 * R2 operations per bucket from `r2OperationsAdaptiveGroups` (account scope): requests by
 * operation (`action_type`: GetObject, PutObject, …) and outcome (`action_status`: success,
 * userError, internalError), and bytes served. Rows are per bucket, operation, outcome and
 * minute; the bytes of one bucket add up over them.
 */
const rowSchema = () =>
  z.object({
    dimensions: z.object({
      datetimeMinute: timeSchema(),
      bucketName: z.string(),
      actionType: z.string(),
      actionStatus: z.string(),
    }),
    sum: z.object({ requests: countSchema(), responseBytes: countSchema() }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

export const r2Operations = adaptiveGroup<Row>({
  name: "r2-operations",
  scope: "account",
  dataset: "r2OperationsAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      counter(
        "cloudflare_r2_operations_total",
        "R2 operations by bucket, operation and outcome",
        ["bucket", "action_type", "action_status"],
        "operations",
      ),
      (r) => r.sum.requests,
      (r) => ({
        bucket: r.dimensions.bucketName,
        action_type: r.dimensions.actionType,
        action_status: r.dimensions.actionStatus,
      }),
      { skipZero: true },
    ),
    each(
      counter("cloudflare_r2_response_bytes_total", "Bytes R2 served from the bucket", ["bucket"], "bytes"),
      (r) => r.sum.responseBytes,
      (r) => ({ bucket: r.dimensions.bucketName }),
    ),
  ],
});
