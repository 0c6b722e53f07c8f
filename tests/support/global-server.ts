import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureWebBuilt } from './build-web';
import { startLocalServer } from './local-server';
import { declaredIn } from './server-errors';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    /** The file where tests of the shared server declare the 5xx they provoke. */
    declaredServerErrorsFile: string;
  }
}

/**
 * Vitest global setup: the built app and a real local server with throwaway state for the run.
 * The run fails when the server answered a 5xx no test declared (./declare-server-error.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureWebBuilt();
  const declarations = mkdtempSync(join(tmpdir(), 'baton-5xx-'));
  const declaredFile = join(declarations, 'declared.jsonl');
  const server = await startLocalServer({ declaredServerErrors: () => declaredIn(declaredFile) });
  project.provide('baseUrl', server.baseUrl);
  project.provide('declaredServerErrorsFile', declaredFile);
  return async () => {
    try {
      await server.stop();
    } finally {
      rmSync(declarations, { recursive: true, force: true });
    }
  };
}
