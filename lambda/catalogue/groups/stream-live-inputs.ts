import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, gauge, minuteRowSchema } from "../query-group.ts";

/**
 * Cloudflare Stream live inputs from `liveInputEventsAdaptiveGroups` (account scope), by
 * event code, under the reference's names: events (segments received, slow uploads, …) as a
 * counter, and the mean bit rate, GOP duration and upload duration ratio of the last counted
 * minute. The input ID is not selected (one series per live input would grow without bound),
 * so each row is one event code and minute; Cloudflare's means are over all inputs. Rows
 * that still meet (a duplicate) add their events and keep the event-weighted mean. The bit
 * rate is `bitRateMinute`, the per-second rate Cloudflare computes for rows bucketed by
 * minute; `gopDuration` is in milliseconds (the schema says so) and is exported in seconds.
 */
const rowSchema = () =>
  minuteRowSchema(
    {
      count: countSchema(),
      avg: z.object({
        bitRateMinute: countSchema(),
        gopDuration: countSchema(),
        uploadDurationRatio: countSchema(),
      }),
    },
    { eventCode: z.string() },
  );
type Row = z.output<ReturnType<typeof rowSchema>>;

const labels = ["event_code"];
const event = (r: Row) => ({ event_code: r.dimensions.eventCode });
const weighted = { merge: "mean", weight: (r: Row) => r.count } as const;

export const streamLiveInputs = adaptiveGroup<Row>({
  name: "stream-live-inputs",
  scope: "account",
  dataset: "liveInputEventsAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      counter(
        "cloudflare_stream_live_input_segments_total",
        "Events of the account's Stream live inputs, by event code (GOP_RECEIVED is a segment received)",
        labels,
        "events",
      ),
      (r) => r.count,
      event,
      { skipZero: true },
    ),
    each(
      gauge(
        "cloudflare_stream_live_input_bit_rate_bps",
        "Mean bit rate of the live inputs' events in the last counted minute",
        labels,
        "bits per second",
      ),
      (r) => r.avg.bitRateMinute,
      event,
      weighted,
    ),
    each(
      gauge(
        "cloudflare_stream_live_input_gop_duration_seconds",
        "Mean duration of the live inputs' groups of pictures (segments) in the last counted minute",
        labels,
        "seconds",
      ),
      (r) => r.avg.gopDuration / 1000,
      event,
      weighted,
    ),
    each(
      gauge(
        "cloudflare_stream_live_input_upload_duration_ratio",
        "Mean ratio of a segment's upload time to its duration in the last counted minute (above 1: the upload falls behind)",
        labels,
      ),
      (r) => r.avg.uploadDurationRatio,
      event,
      weighted,
    ),
  ],
});
