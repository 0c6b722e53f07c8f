import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { migrate } from '../storage/migrate';

const SCHEMA: readonly string[] = [
  'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
];

/** Durable Object for one account; see docs/architecture.md. */
export class AccountObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage, SCHEMA);
  }
}
