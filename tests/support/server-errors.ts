import { existsSync, readFileSync } from 'node:fs';

// The Worker logs one line per 5xx it answers (worker/src/http/server-error-log.ts); wrangler
// colours the line, so the path ends at the escape that resets the colour.
// eslint-disable-next-line no-control-regex -- the escape character is what ends the path
const LOGGED = /baton: answered (5\d\d) to ([A-Z]+) ([^\s\u001b]+)/g;

/** A 5xx the server answered, or one a test declares it provokes. */
export interface ServerError {
  status: number;
  method: string;
  path: string;
}

/** The 5xx answers logged in a server's output. */
export function serverErrorsIn(output: string): ServerError[] {
  return [...output.matchAll(LOGGED)].map(([, status, method, path]) => ({
    status: Number(status),
    method: method ?? '',
    path: path ?? '',
  }));
}

/** The answers not covered by a declaration; each declaration covers one answer. */
export function undeclared(seen: readonly ServerError[], declared: readonly ServerError[]): ServerError[] {
  const left = [...declared];
  return seen.filter((error) => {
    const at = left.findIndex(
      (d) => d.status === error.status && d.method === error.method && d.path === error.path,
    );
    if (at < 0) return true;
    left.splice(at, 1);
    return false;
  });
}

/** Reads the declarations tests wrote (./declare-server-error.ts), one JSON line each. */
export function declaredIn(file: string): ServerError[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ServerError);
}

/** The failure message for 5xx answers no test declared. */
export function describeUndeclared(errors: readonly ServerError[]): string {
  const lines = errors.map((e) => `  ${e.status} ${e.method} ${e.path}`);
  return `The server answered ${errors.length} 5xx no test declared (see tests/support/server-errors.ts):\n${lines.join('\n')}`;
}
