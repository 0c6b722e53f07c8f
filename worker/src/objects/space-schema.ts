import { migrate } from '../storage/migrate';
import { BLOB_SCHEMA_STEP, BLOB_SCHEMA_STEP_2, BLOB_SCHEMA_STEP_3 } from '../space/blob-schema';
import { CHANGE_LOG_MOVES_STEP, CHANGE_LOG_SCHEMA_STEP } from '../space/change-log';
import { DAV_READS_SCHEMA_STEP } from '../space/dav-reads';
import { DAV_SCHEMA_STEP } from '../space/dav-store';
import { FENCE_SCHEMA_STEP, FENCE_SCHEMA_STEP_2 } from '../space/fence';
import { HISTORY_SCHEMA_STEP } from '../space/history';
import { HUB_SCHEMA_STEP } from '../space/hub';
import { fillItemIndex, ITEM_INDEX_SCHEMA_STEP } from '../space/item-index';
import { LOCK_ACTIVITY_SCHEMA_STEP } from '../space/lock-activity';
import { VERSION_PACKING_SCHEMA_STEP } from '../space/version-packing';
import { REWIND_UNDO_SCHEMA_STEP } from '../space/rewind-rollback';
import { VERSION_CHECKOUT_SCHEMA_STEP } from '../space/version-checkouts';
import { RESERVATION_SCHEMA_STEP } from '../space/lock-reservations';
import { MEMBERSHIP_SCHEMA_STEP } from '../space/membership';
import { NOTICE_SCHEMA_STEP } from '../space/notices';
import { REWIND_SCHEMA_STEP } from '../space/rewind-jobs';
import { VERSION_STORE_SCHEMA_STEP } from '../space/version-store';

/** The SpaceObject's schema, one step per change, append-only (storage/migrate.ts). */
const SCHEMA: readonly string[] = [
  'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  MEMBERSHIP_SCHEMA_STEP,
  BLOB_SCHEMA_STEP,
  FENCE_SCHEMA_STEP,
  CHANGE_LOG_SCHEMA_STEP,
  BLOB_SCHEMA_STEP_2,
  HUB_SCHEMA_STEP,
  FENCE_SCHEMA_STEP_2,
  BLOB_SCHEMA_STEP_3,
  DAV_SCHEMA_STEP,
  VERSION_STORE_SCHEMA_STEP,
  DAV_READS_SCHEMA_STEP,
  CHANGE_LOG_MOVES_STEP,
  ITEM_INDEX_SCHEMA_STEP,
  RESERVATION_SCHEMA_STEP,
  HISTORY_SCHEMA_STEP,
  REWIND_SCHEMA_STEP,
  NOTICE_SCHEMA_STEP,
  LOCK_ACTIVITY_SCHEMA_STEP,
  VERSION_PACKING_SCHEMA_STEP,
  REWIND_UNDO_SCHEMA_STEP,
  VERSION_CHECKOUT_SCHEMA_STEP,
];

/** Brings a space's storage to the current schema, with the item index filled (D11). */
export function prepareSpaceStorage(storage: DurableObjectStorage): void {
  migrate(storage, SCHEMA);
  fillItemIndex(storage);
}
