import type { AccountObject } from './objects/account-object';
import type { LockObject } from './objects/lock-object';
import type { SpaceObject } from './objects/space-object';

/** The bindings declared in wrangler.toml. */
export interface Env {
  SPACES: DurableObjectNamespace<SpaceObject>;
  LOCKS: DurableObjectNamespace<LockObject>;
  ACCOUNTS: DurableObjectNamespace<AccountObject>;
  BLOBS: R2Bucket;
  ASSETS: Fetcher;
}

/** Hono's environment for every route: the bindings plus per-request variables set by middleware. */
export interface AppEnv {
  Bindings: Env;
  Variables: Record<string, unknown>;
}
