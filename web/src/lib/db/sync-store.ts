// The sync engine's storage: every function is one Dexie transaction, so an edit, a pull page
// or a push result lands whole or not at all, in this tab and as seen from every other tab.
export { syncStateOf, recordSyncError } from './sync-state';
export { takeBatch, settlePush, rejectBatch, discardRejected } from './push-store';
export { beginPullRun, applyPullPage, applyPokedPage, type PullRun } from './pull-store';
