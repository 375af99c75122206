import { Random } from "../random.ts";
import type { Account } from "../world.ts";
import type { Cell } from "./cell.ts";

/** Cloudflare Stream playback of an account's videos in one minute (streamMinutesViewedAdaptiveGroups). */
export function streamCells(seed: string, account: Account, minuteStart: number): Cell[] {
  if (!account.stream) return [];
  const random = new Random(seed, "stream", account.id, minuteStart);
  return Array.from({ length: 15 }, () => {
    const views = random.int(1, 40);
    return {
      time: minuteStart + random.int(0, 59),
      minute: minuteStart,
      attrs: {
        clientCountryName: random.pick(["US", "DE", "GB", "JP", "BR"] as const),
        mediaType: random.next() < 0.7 ? "vod" : "live",
        uid: `video-${random.int(1, 8)}`,
        creator: "",
      },
      metrics: { count: views, minutesViewed: views * random.int(1, 6) },
    };
  });
}

const liveEventCodes = [
  "GOP_RECEIVED",
  "GOP_RECEIVED",
  "GOP_RECEIVED",
  "SLOW_UPLOAD",
  "KEYFRAME_INTERVAL_TOO_LONG",
] as const;

/**
 * Cloudflare Stream live inputs' events in one minute (liveInputEventsAdaptiveGroups): two
 * inputs, each sending a segment (GOP) every few seconds, now and then a slow upload or a
 * long keyframe interval. Bit rate in bits per second, GOP duration in milliseconds, upload
 * duration ratio as upload time over GOP duration.
 */
export function liveInputCells(seed: string, account: Account, minuteStart: number): Cell[] {
  if (!account.stream) return [];
  const random = new Random(seed, "live-inputs", account.id, minuteStart);
  return ["input-1", "input-2"].flatMap((inputId) =>
    Array.from({ length: random.int(6, 15) }, () => {
      const gopDuration = random.int(2, 6) * 1_000;
      return {
        time: minuteStart + random.int(0, 59),
        minute: minuteStart,
        attrs: { eventCode: random.pick(liveEventCodes), inputId },
        metrics: {
          count: 1,
          bitRate: random.int(1_500_000, 6_000_000),
          gopDuration,
          uploadDurationRatio: random.int(20, 140) / 100,
        },
      };
    }),
  );
}
