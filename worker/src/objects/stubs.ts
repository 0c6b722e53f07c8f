import type { Env } from '../env';

/**
 * Typed stubs of the three Durable Objects, the one place each object's name is spelled. Every
 * floor above the objects (auth, routes, the protocol fronts) and the objects themselves call
 * each other through these; the namespaces' types come from the generated ambient `Env`.
 */

/** The one account directory (the AccountObject named 'directory'). */
export function directory(env: Env) {
  return env.ACCOUNTS.get(env.ACCOUNTS.idFromName('directory'));
}

/** A user's own record: sessions and list of spaces (the AccountObject named 'user:<userId>'). */
export function userRecord(env: Env, userId: string) {
  return env.ACCOUNTS.get(env.ACCOUNTS.idFromName(`user:${userId}`));
}

/** The SpaceObject of a space. */
export function spaceStub(env: Env, spaceId: string) {
  return env.SPACES.get(env.SPACES.idFromName(spaceId));
}

/** The name of the object of lock `name` in a space. */
export function lockObjectName(spaceId: string, name: string): string {
  // NUL cannot occur in a space id or a lock name, so no two (space, name) pairs collide.
  return `${spaceId}\u0000${name}`;
}

/** The LockObject of lock `name` in a space. */
export function lockStub(env: Env, spaceId: string, name: string) {
  return env.LOCKS.get(env.LOCKS.idFromName(lockObjectName(spaceId, name)));
}
