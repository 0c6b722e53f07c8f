/**
 * The Worker's bindings. `Cloudflare.Env` is generated from wrangler.toml by `npm run types`
 * (`wrangler types`, into worker/worker-configuration.d.ts) and is ambient, as in Cloudflare's
 * templates: the Durable Object namespaces are typed there, so no module imports the object
 * classes for them and config, routes and objects need not import each other for a type.
 * `CLIENT_IP_SOURCE` (where the client's address comes from, A12) is a `[vars]` entry there:
 * `cf-connecting-ip` behind Cloudflare's edge (set by `npm run deploy`); anything else (the local
 * default `none`) trusts no request header.
 */
export type Env = Cloudflare.Env;

/** Optional settings an operator may set; worker/src/config.ts reads them, with today's values as defaults. */
export interface Settings {
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

// Not in wrangler.toml, so not generated: merged into the generated declaration here. Augmenting
// the ambient `Cloudflare.Env` is done with a namespace and an interface that only extends.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Cloudflare {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Env extends Settings {}
  }
}

/** Hono's environment for every route: the bindings plus per-request variables set by middleware. */
export interface AppEnv {
  Bindings: Env;
  Variables: Record<string, unknown>;
}
