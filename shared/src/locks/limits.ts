/** Shortest lease a client may ask for (rule L2). */
export const LOCK_TTL_MIN_MS = 1_000;
/** Longest lease a client may ask for (rule L2). */
export const LOCK_TTL_MAX_MS = 3_600_000;
/** Lease length when the client does not say (rule L2). */
export const LOCK_TTL_DEFAULT_MS = 60_000;
/** Longest a caller may wait in a lock's queue in one acquire (rule L7). */
export const LOCK_WAIT_MAX_MS = 600_000;
/** Most waiters one lock queues; later acquires are answered busy. */
export const LOCK_QUEUE_MAX = 1_000;
/** How many past grants a lock remembers by request id, so that a late retry is recognised (rule L9). */
export const LOCK_SERVED_MEMORY = 64;
/**
 * An HTTP waiter has no connection to lose, so it re-asks (the same acquire, rule L9) at least this
 * often; one not heard from for longer is passed over when its turn comes (rule L14).
 */
export const LOCK_HTTP_WAITER_QUIET_MS = 30_000;
/** How many waiters a lock's summary names, in line order (rule L17); `queueLength` counts them all. */
export const LOCK_WAITERS_SHOWN = 10;
