import * as v from 'valibot';
import { StampSchema } from './hlc';
import { CONFLICT_REASON, DELETED_FIELD, ITEM_KIND } from './item-state';

export {
  blobRefOf,
  CONFLICT_REASON,
  DELETED_FIELD,
  FILE_BLOB_FIELD,
  isDeleted,
  ITEM_KIND,
  newestStamp,
  type ConflictReason,
  type ItemKind,
} from './item-state';

/** An item kind on the wire; anything else is refused (S9). */
export const ItemKindSchema = v.picklist(
  [ITEM_KIND.note, ITEM_KIND.record, ITEM_KIND.file],
  'Unknown item kind',
);

/**
 * An item id, made on the client: 8–64 url-safe characters. Conflict copies made by the server
 * have ids `<mutation id>~<letter>`, which a client cannot create (see {@link ClientItemIdSchema}).
 */
export const ItemIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}(~[a-z])?$/, 'Invalid item id'));

/** An id a client may create an item under: no `~`, which is kept for the server's conflict copies. */
export const ClientItemIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'Invalid item id'));

/**
 * A field name: 1–128 characters without control characters. Names starting with `$` are
 * reserved; {@link DELETED_FIELD} is the only one in use.
 */
export const FieldNameSchema = v.pipe(
  v.string(),
  v.minLength(1, 'Empty field name'),
  v.maxLength(128, 'Field name longer than 128 characters'),
  // eslint-disable-next-line no-control-regex
  v.check((name) => !/[\u0000-\u001f\u007f]/.test(name), 'Field name with control characters'),
  v.check((name) => !name.startsWith('$') || name === DELETED_FIELD, 'Reserved field name'),
);

/** Any JSON value. The server stores field values without reading them (they may be ciphertext). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MAX_JSON_DEPTH = 32;

/** True when `value` is plain JSON (finite numbers, no undefined) nested at most 32 deep. */
export function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  if (depth > MAX_JSON_DEPTH) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (typeof value === 'object') {
    return Object.values(value).every((item) => isJsonValue(item, depth + 1));
  }
  return false;
}

/** A field value on the wire. */
export const JsonValueSchema = v.custom<JsonValue>((value) => isJsonValue(value), 'Not a JSON value');

/** One field's value with the stamp of the write that set it. */
export const EntrySchema = v.object({ v: JsonValueSchema, s: StampSchema });

/** One field's value with the stamp of the write that set it. */
export type Entry = v.InferOutput<typeof EntrySchema>;

/** What a conflict copy records about where it came from. Set once by the server; never changes. */
export const ConflictInfoSchema = v.object({
  of: ItemIdSchema,
  reason: v.picklist(Object.values(CONFLICT_REASON)),
  mutationId: v.string(),
  stamp: StampSchema,
});

/** Where a conflict copy came from. */
export type ConflictInfo = v.InferOutput<typeof ConflictInfoSchema>;

/** An item as every replica holds it: its fields, each with the stamp of its last write. */
export const ItemStateSchema = v.object({
  id: ItemIdSchema,
  kind: ItemKindSchema,
  fields: v.record(v.string(), EntrySchema),
  conflict: v.optional(ConflictInfoSchema),
});

/** An item as every replica holds it. */
export type ItemState = v.InferOutput<typeof ItemStateSchema>;
