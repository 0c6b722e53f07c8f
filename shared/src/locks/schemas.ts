// The lock protocol's wire (docs/api.md#locks), one module per concept; this entry point lets
// one import serve routes and clients.
export * from './lock-terms';
export * from './lock-records';
export * from './command-schemas';
export * from './history-schemas';
export * from './socket-schemas';
/** The lock name schema, re-exported so that one import serves routes and clients. */
export { LockNameSchema } from './name';
