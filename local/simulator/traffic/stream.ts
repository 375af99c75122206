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
