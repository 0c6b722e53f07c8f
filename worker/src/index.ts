import { app } from './app';
import type { Env } from './env';

export { AccountObject } from './objects/account-object';
export { LockObject } from './objects/lock-object';
export { SpaceObject } from './objects/space-object';

export default app satisfies ExportedHandler<Env>;
