import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";

// Each schema is built at its first use: a cold start's import builds none, and the serve
// function, which never reads Cloudflare's answers, builds only what it reads from the store.

/** REST objects, reduced to the fields the exporter reads (extra fields pass through). */
export const accountSchema = once(() => z.looseObject({ id: z.string(), name: z.string() }));

export const zoneSchema = once(() =>
  z.looseObject({
    id: z.string(),
    name: z.string(),
    status: z.string(),
    plan: z.nullish(
      z.looseObject({
        id: z.nullish(z.string()),
        legacy_id: z.nullish(z.string()),
        name: z.nullish(z.string()),
      }),
    ),
  }),
);
export type CloudflareZone = z.output<ReturnType<typeof zoneSchema>>;

const freePlanId = "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

/** The plan's short name (`free`, `pro`, `business`, `enterprise`), keyed on `legacy_id` with the Free plan ID as fallback. */
export function planOf(zone: CloudflareZone): string {
  if (zone.plan?.legacy_id) return zone.plan.legacy_id;
  if (zone.plan?.id === freePlanId) return "free";
  return zone.plan?.name?.toLowerCase().split(" ")[0] ?? "unknown";
}

/** What a dataset's `settings` node says about one zone or account. */
export const datasetSettingsSchema = once(() =>
  z.object({
    enabled: z.boolean(),
    maxDuration: z.number().check(z.int(), z.nonnegative()),
    notOlderThan: z.number().check(z.int(), z.nonnegative()),
    maxPageSize: z.number().check(z.int(), z.nonnegative()),
  }),
);
export type DatasetSettings = z.output<ReturnType<typeof datasetSettingsSchema>>;

/** What discovery keeps of an account and of a zone (stored, then read by collection and serving). */
export const accountInfoSchema = once(() => z.object({ id: z.string(), name: z.string() }));
export type AccountInfo = z.output<ReturnType<typeof accountInfoSchema>>;

export const zoneInfoSchema = once(() =>
  z.object({
    id: z.string(),
    name: z.string(),
    plan: z.string(),
    /** dataset → what `settings` said for this zone. */
    settings: z.record(z.string(), datasetSettingsSchema()),
  }),
);
export type ZoneInfo = z.output<ReturnType<typeof zoneInfoSchema>>;
