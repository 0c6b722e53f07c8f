import * as v from 'valibot';
import { StampSchema } from '../sync/hlc';
import { FieldNameSchema, ItemStateSchema, JsonValueSchema } from '../sync/item';

// The wire of an item's history (docs/api.md#history, docs/spec/history.md).

/** Through which door a version came in (the version store's `front`). */
export const VersionFrontSchema = v.picklist(['app', 'webdav', 'lfs', 'import', 'restore', 'merge']);

/** One field an edit wrote: the value it wrote and, when known, the value it replaced (V2). */
export const HistoryFieldSchema = v.object({
  field: v.string(),
  value: JsonValueSchema,
  /** The value of the version this one grew from; absent when there was none or it is not kept. */
  before: v.optional(JsonValueSchema),
});

/** One field an edit wrote. */
export type HistoryField = v.InferOutput<typeof HistoryFieldSchema>;

/**
 * One edit of an item (V1): the fields one mutation (or one merge, or one restore) wrote
 * together, under one stamp, with who made it, when and through which front.
 */
export const HistoryEditSchema = v.object({
  stamp: StampSchema,
  /** Server time of the edit in ms; 0 for the version that was current when history began. */
  at: v.number(),
  /** The author's name; null for the version that was current when history began. */
  author: v.nullable(v.string()),
  front: VersionFrontSchema,
  /** The name given to keep this version (V8), or null. */
  name: v.nullable(v.string()),
  /** True while every field it wrote still holds its value. */
  current: v.boolean(),
  fields: v.array(HistoryFieldSchema),
  /**
   * The check-out the edit was made under (V24): the item's own lock or a folder's (a name
   * ending in `/`), and who held it, by name; null when nothing was checked out.
   */
  checkout: v.optional(v.nullable(v.object({ lock: v.string(), holder: v.string() })), null),
});

/** One edit of an item. */
export type HistoryEdit = v.InferOutput<typeof HistoryEditSchema>;

/** Most edits one history page holds. */
export const HISTORY_PAGE_MAX = 50;

/** `GET …/items/:itemId/history?before=<stamp>&limit=<n>`: the page of edits older than `before`. */
export const HistoryQuerySchema = v.strictObject({
  before: v.optional(StampSchema),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, 'limit must be a whole number'),
      v.transform(Number),
      v.minValue(1),
      v.maxValue(HISTORY_PAGE_MAX),
    ),
  ),
});

/** A page of an item's history, newest edit first, with the item as it is now. */
export const HistoryResponseSchema = v.object({
  item: ItemStateSchema,
  edits: v.array(HistoryEditSchema),
  /** True when older edits follow; ask again with `before` = the last edit's stamp. */
  more: v.boolean(),
});

/** A page of an item's history. */
export type HistoryResponse = v.InferOutput<typeof HistoryResponseSchema>;

/**
 * What to bring back (V5–V7): the whole item as it was right after edit `stamp`; one field as
 * that edit left it; one changed passage of a text field, as numbered by comparing the edit's
 * text with the current one (`current` is the field's stamp the caller compared with, so a
 * passage number never lands on a text that changed meanwhile); or `undo`: every field edit
 * `stamp` wrote goes back to the value it replaced.
 */
export const RestoreRequestSchema = v.variant('what', [
  v.strictObject({ what: v.literal('version'), stamp: StampSchema }),
  v.strictObject({ what: v.literal('field'), stamp: StampSchema, field: FieldNameSchema }),
  v.strictObject({
    what: v.literal('passage'),
    stamp: StampSchema,
    field: FieldNameSchema,
    passage: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
    current: StampSchema,
  }),
  v.strictObject({ what: v.literal('undo'), stamp: StampSchema }),
]);

/** What to bring back. */
export type RestoreRequest = v.InferOutput<typeof RestoreRequestSchema>;

/** A restore made: the new version's stamp (undo it with `{ what: 'undo', stamp }`) and the fields it wrote. */
export const RestoreResponseSchema = v.object({
  stamp: StampSchema,
  fields: v.array(v.string()),
});

/** A restore made. */
export type RestoreResponse = v.InferOutput<typeof RestoreResponseSchema>;

/** Longest name of a version. */
export const VERSION_NAME_MAX = 100;

/** `PUT …/history/:stamp/name`: keep this version forever under a name (V8). */
export const NameVersionRequestSchema = v.strictObject({
  name: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1, 'A version name cannot be empty'),
    v.maxLength(VERSION_NAME_MAX, `A version name has at most ${VERSION_NAME_MAX} characters`),
  ),
});

/** The answer to naming or unnaming a version. */
export const NameVersionResponseSchema = v.object({ stamp: StampSchema, name: v.nullable(v.string()) });

/** The answer to naming or unnaming a version. */
export type NameVersionResponse = v.InferOutput<typeof NameVersionResponseSchema>;
