import type { TestProject } from 'vitest/node';
import { ensureWebBuilt } from './build-web';
import { startLocalServer } from './local-server';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

/** Vitest global setup: the built app and a real local server with throwaway state for the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureWebBuilt();
  const server = await startLocalServer();
  project.provide('baseUrl', server.baseUrl);
  return () => server.stop();
}
