// The Worker with its version store switched off, for bench:history's push ratio only: every
// other line of the push path is the one that ships. Never deployed.
import { BatchVersionStore } from '../worker/src/space/version-store';

BatchVersionStore.prototype.add = () => undefined;
BatchVersionStore.prototype.link = () => undefined;
BatchVersionStore.prototype.flush = () => undefined;
BatchVersionStore.prototype.get = () => null;

export * from '../worker/src/index';
export { default } from '../worker/src/index';
