import * as v from 'valibot';
import { ErrorBodySchema } from '#shared/errors';

/** A failed API call: the server's `{ code, message, retryAfterMs? }`, or NETWORK when it was not reached. */
export class ApiRequestError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, status: number, retryAfterMs?: number) {
    super(message);
    this.name = 'ApiRequestError';
    this.code = code;
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Calls the API and validates the JSON answer leniently against `schema` (unknown fields are
 * ignored, so an older client keeps working with a newer server). Cookies ride along; the
 * browser sends `Origin` on state-changing requests, which the server checks.
 */
export async function apiFetch<S extends v.GenericSchema>(
  path: string,
  schema: S,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<v.InferOutput<S>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      credentials: 'same-origin',
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      body: init.body === undefined ? null : JSON.stringify(init.body),
      signal: init.signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiRequestError('NETWORK', 'The server could not be reached. Check your connection.', 0);
  }
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const body = v.safeParse(ErrorBodySchema, json);
    if (body.success) {
      throw new ApiRequestError(
        body.output.code,
        body.output.message,
        response.status,
        body.output.retryAfterMs,
      );
    }
    throw new ApiRequestError(
      'HTTP_' + response.status,
      `The server answered ${response.status}.`,
      response.status,
    );
  }
  const parsed = v.safeParse(schema, json);
  if (!parsed.success) {
    throw new ApiRequestError(
      'BAD_RESPONSE',
      'The server sent an answer this app does not understand.',
      response.status,
    );
  }
  return parsed.output;
}
