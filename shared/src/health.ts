import * as v from 'valibot';

/** `GET /api/health`: the server is up and which release and protocol it speaks. */
export const HealthResponseSchema = v.object({
  ok: v.literal(true),
  version: v.string(),
  protocol: v.number(),
});

/** Body of `GET /api/health`. */
export type HealthResponse = v.InferOutput<typeof HealthResponseSchema>;
