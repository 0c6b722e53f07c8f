import { appendFileSync } from 'node:fs';
import { inject } from 'vitest';
import type {} from './global-server';
import type { ServerError } from './server-errors';

/**
 * Declares, before sending it, a request to the shared test server that must answer 5xx (a
 * fault-injection test, or a status the protocol prescribes such as WebDAV's 502 for a foreign
 * Destination); any other 5xx fails the run (tests/support/global-server.ts).
 */
export function declareServerError(error: ServerError): void {
  appendFileSync(inject('declaredServerErrorsFile'), `${JSON.stringify(error)}\n`);
}
