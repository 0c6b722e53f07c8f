/**
 * Version of the wire protocol shared by `web/` and `worker/`. Bump it on any change to a
 * schema in `shared/`, and add a line to `docs/protocol-changelog.md`.
 */
export const PROTOCOL_VERSION = 5;

/** The release of Baton, reported by `GET /api/health`. */
export const APP_VERSION = '0.1.0';
