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
  /**
   * Where the client's address comes from: `cf-connecting-ip` behind Cloudflare's edge (set by
   * `npm run deploy`); anything else (the local default `none`) trusts no request header (A12).
   */
  CLIENT_IP_SOURCE?: string;
  // Optional settings (worker/src/config.ts reads them, with today's values as defaults).
  PUBLIC_ORIGIN?: string;
  COOKIE_SECURE?: string;
  MAX_PUSH_BYTES?: string;
  MAX_FILE_BYTES?: string;
  SPACE_QUOTA_BYTES?: string;
  /** "true" lets push subscriptions name endpoints on this machine (tests; L29). */
  PUSH_LOCAL_ENDPOINTS?: string;
  /** The contact (mailto: or https:) the server's VAPID signatures name for push services. */
  PUSH_CONTACT?: string;
}

/** Hono's environment for every route: the bindings plus per-request variables set by middleware. */
export interface AppEnv {
  Bindings: Env;
  Variables: Record<string, unknown>;
}
