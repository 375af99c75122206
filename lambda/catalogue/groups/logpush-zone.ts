import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, minuteRowSchema } from "../query-group.ts";

/**
 * Failed Logpush pushes of a zone's jobs from `logpushHealthAdaptiveGroups` (status other
 * than 200). Cloudflare retries a failed push; `final = 1` marks a batch's last attempt,
 * so a failed final attempt is a batch whose logs were lost.
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
    },
    {
      // uint64: a JSON number, written as a string if Cloudflare ever sends one.
      jobId: z.union([z.number().check(z.int(), z.nonnegative()), z.string()]),
      destinationType: z.string(),
      final: z.number().check(z.int(), z.gte(0), z.lte(1)),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

const job = (r: Row) => ({
  job_id: String(r.dimensions.jobId),
  destination_type: r.dimensions.destinationType,
});

export const logpushZone = adaptiveGroup<Row>({
  name: "logpush-zone",
  scope: "zone",
  dataset: "logpushHealthAdaptiveGroups",
  shards: 1,
  rowSchema,
  filter: "status_neq: 200",
  series: [
    each(
      counter(
        "cloudflare_logpush_failed_jobs_zone_total",
        "Failed Logpush push attempts (status other than 200) of a zone's job, retried ones included",
        ["job_id", "destination_type"],
        "attempts",
      ),
      (r) => r.count,
      job,
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_logpush_lost_batches_zone_total",
        "Log batches of a zone's Logpush job that Cloudflare gave up on (the final push attempt failed): their logs were lost",
        ["job_id", "destination_type"],
        "batches",
      ),
      (r) => (r.dimensions.final === 1 ? r.count : undefined),
      job,
      { skipZero: true },
    ),
  ],
});
