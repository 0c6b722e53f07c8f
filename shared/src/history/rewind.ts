import * as v from 'valibot';
import { FOLDER_PATH_MAX } from '../sync/folders';
import { DELETED_FIELD, isDeleted, type ItemState, type JsonValue } from '../sync/item';

// Rewinding a folder or a whole space to a moment (V16–V18): what would change, and the edits
// that change it. Pure: the space's object reads the versions and writes the edits.

/** `POST …/rewind/preview` and `POST …/rewind`: the moment (ms) and, optionally, a folder. */
export const RewindRequestSchema = v.strictObject({
  at: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  folder: v.optional(v.pipe(v.string(), v.maxLength(FOLDER_PATH_MAX))),
});

/** What to rewind. */
export type RewindRequest = v.InferOutput<typeof RewindRequestSchema>;

/** One item a rewind touches, with who changed it since. */
export const RewindEntrySchema = v.object({
  itemId: v.string(),
  title: v.string(),
  changedBy: v.array(v.string()),
});

/** One item a rewind touches. */
export type RewindEntry = v.InferOutput<typeof RewindEntrySchema>;

/** Most entries a preview lists per kind (the counts are whole). */
export const REWIND_LIST_MAX = 200;

const listOf = v.object({ count: v.number(), items: v.array(RewindEntrySchema) });

/** A rewind running in the background (V20): how far it got, and what it left alone. */
export const RewindJobSchema = v.object({
  jobId: v.string(),
  at: v.number(),
  folder: v.nullable(v.string()),
  /** `rolling-back`: cancelled, and the items it already rewound are going back (V22). */
  state: v.picklist(['running', 'done', 'rolling-back', 'cancelled']),
  /** Items looked at so far, of `total` changed since the moment. */
  items: v.number(),
  total: v.number(),
  /** Items rewound so far. */
  edits: v.number(),
  skipped: v.array(v.object({ itemId: v.string(), title: v.string(), holder: v.string() })),
  startedBy: v.string(),
  /** Once cancelled: items put back as they were before the rewind (V22). */
  rolledBack: v.optional(v.number(), 0),
});

/** A rewind running in the background. */
export type RewindJob = v.InferOutput<typeof RewindJobSchema>;

/** `GET`/`DELETE …/rewind/job`: the newest background rewind, or none. */
export const RewindJobResponseSchema = v.object({ job: v.nullable(RewindJobSchema) });

/** Rewinds of more items than this run in the background (V20). */
export const REWIND_FOREGROUND_MAX = 1_000;

/** What a rewind would do (V16), and, once applied, what it did (V17). */
export const RewindResponseSchema = v.object({
  at: v.number(),
  /** Items made since: they go (to the Deleted tab). */
  added: listOf,
  /** Items deleted since: they come back. */
  removed: listOf,
  /** Items changed since: their fields go back. */
  changed: listOf,
  /** Items someone else has checked out: left as they are (V18). */
  skipped: v.array(v.object({ itemId: v.string(), title: v.string(), holder: v.string() })),
  applied: v.boolean(),
  /** Set when the rewind is large and runs in the background (V20). */
  job: v.optional(RewindJobSchema),
});

/** What a rewind would do, or did. */
export type RewindResponse = v.InferOutput<typeof RewindResponseSchema>;

/** How one item changed since the moment. */
export type RewindKind = 'added' | 'removed' | 'changed';

/**
 * The edit that makes `current` as it was at the moment (V16): `then` holds each field's value at
 * that moment (empty when the item did not exist yet). Null when nothing differs.
 */
export function rewindItem(
  current: ItemState,
  then: ReadonlyMap<string, JsonValue>,
): { kind: RewindKind; values: Record<string, JsonValue> } | null {
  const existed = then.size > 0 && then.get(DELETED_FIELD) !== true;
  if (!existed) return isDeleted(current) ? null : { kind: 'added', values: { [DELETED_FIELD]: true } };
  const values: Record<string, JsonValue> = {};
  for (const [field, value] of then) {
    if (JSON.stringify(current.fields[field]?.v) !== JSON.stringify(value)) values[field] = value;
  }
  for (const [field, entry] of Object.entries(current.fields)) {
    if (!then.has(field) && field.startsWith('r:') && entry.v !== null) values[field] = null;
  }
  if (isDeleted(current)) return { kind: 'removed', values: { ...values, [DELETED_FIELD]: false } };
  return Object.keys(values).length === 0 ? null : { kind: 'changed', values };
}

/** True when an item in `folder` (a path, '' the top) lies in the rewound folder `scope`. */
export function inFolder(folder: string, scope: string | undefined): boolean {
  if (scope === undefined || scope === '') return true;
  return folder === scope || folder.startsWith(`${scope}/`);
}
