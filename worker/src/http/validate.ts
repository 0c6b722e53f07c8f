import type { Context } from 'hono';
import * as v from 'valibot';
import { ApiError } from './api-error';

/** Largest JSON body any route accepts unless it says otherwise. */
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

/** Describes the first few schema issues in one human sentence. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = v.getDotPath(issue);
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Parses `value` with `schema`, or throws a 400 VALIDATION_FAILED naming what is wrong. */
export function parseWith<S extends v.GenericSchema>(
  schema: S,
  value: unknown,
  what = 'request',
): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (!result.success) {
    throw new ApiError('VALIDATION_FAILED', `Invalid ${what}: ${describeIssues(result.issues)}.`);
  }
  return result.output;
}

/** Reads the request body as JSON (bounded in size) and validates it against `schema`. */
export async function readJson<S extends v.GenericSchema>(
  c: Context,
  schema: S,
  maxBytes = DEFAULT_MAX_JSON_BYTES,
): Promise<v.InferOutput<S>> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) {
    throw new ApiError('PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBytes} bytes.`);
  }
  const text = await c.req.text();
  if (new TextEncoder().encode(text).byteLength > maxBytes) {
    throw new ApiError('PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBytes} bytes.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError('BAD_REQUEST', 'The request body is not valid JSON.');
  }
  return parseWith(schema, json, 'request body');
}
