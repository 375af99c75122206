import * as z from "../../lib/zod.ts";
import { adaptiveGroup, counter, countSchema, each, timeSchema } from "../query-group.ts";

/**
 * Cloudflare Stream playback from `streamMinutesViewedAdaptiveGroups` (account scope): views
 * and time viewed by viewer country and media type (vod, live). The reference's names; time
 * viewed is the dataset's minutes times 60.
 */
const rowSchema = () =>
  z.object({
    count: countSchema(),
    dimensions: z.object({
      datetimeMinute: timeSchema(),
      clientCountryName: z.string(),
      mediaType: z.string(),
    }),
    sum: z.object({ minutesViewed: countSchema() }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

const labels = ["country", "media_type"];
const view = (r: Row) => ({ country: r.dimensions.clientCountryName, media_type: r.dimensions.mediaType });

export const streamPlayback = adaptiveGroup<Row>({
  name: "stream-playback",
  scope: "account",
  dataset: "streamMinutesViewedAdaptiveGroups",
  shards: 1,
  rowSchema,
  series: [
    each(
      counter("cloudflare_stream_video_playback_count_total", "Stream video views", labels, "views"),
      (r) => r.count,
      view,
      { skipZero: true },
    ),
    each(
      counter(
        "cloudflare_stream_video_playback_time_viewed_seconds_total",
        "Time Stream videos were watched",
        labels,
        "seconds",
      ),
      (r) => r.sum.minutesViewed * 60,
      view,
      { skipZero: true },
    ),
  ],
});
