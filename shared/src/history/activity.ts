import * as v from 'valibot';

/** One hour and one day, the two sizes of an activity bar (V23). */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Up to this many days back, the chart has a bar per hour; further back, a bar per day. */
export const HOURLY_UP_TO_DAYS = 2;

/** `GET /api/spaces/:spaceId/activity?days=N`: how far back to count (1–365 days, 30 unless asked). */
export const ActivityQuerySchema = v.strictObject({
  days: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, 'days is a whole number'),
      v.transform(Number),
      v.minValue(1, 'days is at least 1'),
      v.maxValue(365, 'days is at most 365'),
    ),
  ),
});

/** One bar: the edits whose server time falls in `[at, at + bucketMs)`. */
export const ActivityBucketSchema = v.object({ at: v.number(), edits: v.number() });

/** The space's edits over time (V23), only the bars that have any, oldest first. */
export const ActivityResponseSchema = v.object({
  /** The start of the window: the later of `days` ago and the oldest moment history keeps. */
  from: v.number(),
  to: v.number(),
  bucketMs: v.number(),
  buckets: v.array(ActivityBucketSchema),
});

/** The space's edits over time. */
export type ActivityResponse = v.InferOutput<typeof ActivityResponseSchema>;

/** The size of a bar for a window of `days`. */
export function bucketFor(days: number): number {
  return days <= HOURLY_UP_TO_DAYS ? HOUR_MS : DAY_MS;
}

/**
 * Every bar of the window from `from` to `to`, empty ones too, for drawing: the counted
 * buckets placed on the grid of `bucketMs` slots (UTC).
 */
export function fillBuckets(activity: ActivityResponse): { at: number; edits: number }[] {
  const counts = new Map(activity.buckets.map((bucket) => [bucket.at, bucket.edits]));
  const first = Math.floor(activity.from / activity.bucketMs) * activity.bucketMs;
  const out: { at: number; edits: number }[] = [];
  for (let at = first; at <= activity.to; at += activity.bucketMs)
    out.push({ at, edits: counts.get(at) ?? 0 });
  return out;
}
