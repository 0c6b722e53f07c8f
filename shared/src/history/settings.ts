import * as v from 'valibot';
import { RetentionSchema } from './retention';

/** How much a space's history takes (V14); not counted against its quota. */
export const HistoryUsageSchema = v.object({ versions: v.number(), bytes: v.number() });

/** How much a space's history takes. */
export type HistoryUsage = v.InferOutput<typeof HistoryUsageSchema>;

/** `GET`/`PUT /api/spaces/:spaceId/history-settings`: the space's retention and what history takes. */
export const HistorySettingsResponseSchema = v.object({
  retention: RetentionSchema,
  usage: HistoryUsageSchema,
});

/** The space's retention and what history takes. */
export type HistorySettingsResponse = v.InferOutput<typeof HistorySettingsResponseSchema>;
