import type { ChildProcess, SpawnOptions, SpawnSyncOptions, SpawnSyncReturns } from 'node:child_process';

export function podmanEnv(): NodeJS.ProcessEnv;
export function podmanSync(args: string[], options?: SpawnSyncOptions): SpawnSyncReturns<string>;
export function podmanRun(args: string[]): void;
export function podmanSpawn(args: string[], options?: SpawnOptions): ChildProcess;
