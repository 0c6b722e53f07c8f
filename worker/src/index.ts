import { app } from './app';

export { AccountObject } from './objects/account-object';
export { LockObject } from './objects/lock-object';
export { SpaceObject } from './objects/space-object';

export default app satisfies ExportedHandler<import('./env').Env>;
