import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, minuteRowSchema } from "../query-group.ts";

/**
 * Failed Logpush pushes of account-level jobs from `logpushHealthAdaptiveGroups` (account
 * scope, `status_neq: 200`).
 *
 * Every failed attempt is counted in `…_failed_jobs_account_total`, retried ones included
 * (as the reference counts). Cloudflare marks an attempt `final = 1` when it was the last
 * one for its batch, so a final failed attempt is a batch given up, whose logs are lost:
 * `…_lost_batches_account_total` counts those. `final` is selected for that split but is no
 * label, so the final and non-final rows of one job and status land on one failed-attempts
 * series and are added before counting (the reference counted each row on its own: C1).
 *
 * `status` is the push status as Cloudflare reports it: a destination's HTTP status or a
 * Logpush code such as 1105 (hostname not resolved), so it is kept as is, not grouped into
 * HTTP classes. Missing dimension values become "unknown", as in the reference.
 */
const dimension = <T extends z.ZodMiniType>(schema: T) => z.nullish(schema);
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
    },
    {
      jobId: dimension(z.union([z.number().check(z.int(), z.nonnegative()), z.string()])),
      status: dimension(z.number().check(z.int(), z.nonnegative())),
      destinationType: dimension(z.string()),
      final: dimension(z.number().check(z.int(), z.nonnegative())),
    },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

const known = (value: string | number | null | undefined): string =>
  value === null || value === undefined || value === "" ? "unknown" : String(value);

const labels = (r: Row) => ({
  job_id: known(r.dimensions.jobId),
  status: known(r.dimensions.status),
  destination_type: known(r.dimensions.destinationType),
});

export const logpushAccount = adaptiveGroup<Row>({
  name: "logpush-account",
  scope: "account",
  dataset: "logpushHealthAdaptiveGroups",
  shards: 1,
  rowSchema,
  filter: "status_neq: 200",
  series: [
    each(
      counter(
        "cloudflare_logpush_failed_jobs_account_total",
        "Failed push attempts (status other than 200) of account-level Logpush jobs, retried attempts included, by job, status and destination type",
        ["job_id", "status", "destination_type"],
        "attempts",
      ),
      (r) => r.count,
      labels,
    ),
    each(
      counter(
        "cloudflare_logpush_lost_batches_account_total",
        "Log batches of account-level Logpush jobs given up because their last push attempt failed (their logs are lost), by job, status and destination type",
        ["job_id", "status", "destination_type"],
        "batches",
      ),
      (r) => (r.dimensions.final === 1 ? r.count : 0),
      labels,
    ),
  ],
});
