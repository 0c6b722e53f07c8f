import { DELETED_FIELD, isDeleted, type ItemState, type JsonValue } from '../sync/item';
import type { FieldVersion } from '../sync/versions';
import { restorePassage } from './diff';
import type { RestoreRequest } from './protocol';

// What a restore writes (V5–V7), decided from the versions the store holds. Pure: the space's
// object reads the versions and writes the result as one ordinary edit (front `restore`).

/** Fields a whole-version restore leaves alone: where the item is, and its place in a list. */
const NOT_RESTORED = new Set(['folder', 'order', DELETED_FIELD]);

/** Record fields (`r:<name>`) are removed by writing null. */
const REMOVABLE_PREFIX = 'r:';

/** The versions a restore reads, fetched by the caller for the request's stamp. */
export interface RestoreInputs {
  /** The item now. */
  current: ItemState;
  /** The fields edit `stamp` wrote (empty when the item has no such edit). */
  edit: FieldVersion[];
  /** Per field, the version that held its value right after edit `stamp` (V5). */
  asOf: FieldVersion[];
  /** For `undo`: the versions the edit's fields grew from, where kept. */
  bases: FieldVersion[];
}

/** The values to write, or why not (with the error code the API answers). */
export type RestorePlan =
  | { ok: true; values: Record<string, JsonValue> }
  | { ok: false; code: 'NOT_FOUND' | 'CONFLICT'; message: string };

/** The name people know the item by, for messages. */
export function itemLabel(item: ItemState): string {
  for (const field of ['title', 'name']) {
    const value = item.fields[field]?.v;
    if (typeof value === 'string' && value.trim() !== '') return `“${value.trim().slice(0, 80)}”`;
  }
  return `this ${item.kind}`;
}

function fieldLabel(field: string): string {
  return field.startsWith(REMOVABLE_PREFIX)
    ? `the field “${field.slice(REMOVABLE_PREFIX.length)}”`
    : `the ${field}`;
}

function same(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The values that make `current` as version `asOf` left it, field by field, only where they differ. */
function wholeVersion(current: ItemState, asOf: FieldVersion[]): Record<string, JsonValue> {
  const values: Record<string, JsonValue> = {};
  const then = new Map(asOf.map((version) => [version.field, version.value]));
  for (const [field, value] of then) {
    if (!NOT_RESTORED.has(field) && !same(current.fields[field]?.v, value)) values[field] = value;
  }
  for (const [field, entry] of Object.entries(current.fields)) {
    if (field.startsWith(REMOVABLE_PREFIX) && !then.has(field) && entry.v !== null) values[field] = null;
  }
  return values;
}

/** The value a field had before it was first written. */
function emptyValue(field: string): JsonValue {
  if (field === DELETED_FIELD) return false;
  return field === 'title' || field === 'body' ? '' : null;
}

/** Decides what a restore writes (V5 whole version, V6 one field or passage, V7 undo). */
export function planRestore(request: RestoreRequest, inputs: RestoreInputs): RestorePlan {
  const { current } = inputs;
  const label = itemLabel(current);
  if (inputs.edit.length === 0) {
    return {
      ok: false,
      code: 'NOT_FOUND',
      message: `${label} has no such version (it may have been thinned).`,
    };
  }
  const values = valuesFor(request, inputs, label);
  if (!('values' in values)) return values;
  const changed: Record<string, JsonValue> = {};
  for (const [field, value] of Object.entries(values.values))
    if (!same(current.fields[field]?.v, value)) changed[field] = value;
  if (Object.keys(changed).length === 0) {
    return { ok: false, code: 'CONFLICT', message: `Nothing to restore: ${label} is already like that.` };
  }
  // Bringing back content of a deleted item brings the item back (as an edit of it would, S38).
  if (isDeleted(current) && request.what !== 'undo') changed[DELETED_FIELD] = false;
  return { ok: true, values: changed };
}

function valuesFor(
  request: RestoreRequest,
  { current, edit, asOf, bases }: RestoreInputs,
  label: string,
): { values: Record<string, JsonValue> } | Extract<RestorePlan, { ok: false }> {
  switch (request.what) {
    case 'version':
      return { values: wholeVersion(current, asOf) };
    case 'field': {
      const version = asOf.find((candidate) => candidate.field === request.field);
      if (!version) {
        const removable = request.field.startsWith(REMOVABLE_PREFIX) && current.fields[request.field];
        if (removable) return { values: { [request.field]: null } };
        return {
          ok: false,
          code: 'NOT_FOUND',
          message: `That version of ${label} has no ${fieldLabel(request.field)}.`,
        };
      }
      return { values: { [request.field]: version.value } };
    }
    case 'passage': {
      const then = asOf.find((candidate) => candidate.field === request.field)?.value;
      const now = current.fields[request.field];
      if (typeof then !== 'string' || typeof now?.v !== 'string') {
        return {
          ok: false,
          code: 'NOT_FOUND',
          message: `${fieldLabel(request.field)} of ${label} is not a text.`,
        };
      }
      if (now.s !== request.current) {
        return {
          ok: false,
          code: 'CONFLICT',
          message: `${label} changed since you compared it; compare again and pick the passage.`,
        };
      }
      const text = restorePassage(then, now.v, request.passage);
      if (text === null)
        return { ok: false, code: 'NOT_FOUND', message: `${label} has no such changed passage.` };
      return { values: { [request.field]: text } };
    }
    case 'undo': {
      const values: Record<string, JsonValue> = {};
      for (const version of edit) {
        if (current.fields[version.field]?.s !== version.stamp) {
          return {
            ok: false,
            code: 'CONFLICT',
            message: `${fieldLabel(version.field)} of ${label} changed since; restore an earlier version instead.`,
          };
        }
        const base = bases.find((candidate) => candidate.field === version.field);
        if (version.base !== null && !base) {
          return {
            ok: false,
            code: 'NOT_FOUND',
            message: `The earlier ${fieldLabel(version.field)} is no longer kept.`,
          };
        }
        values[version.field] = base ? base.value : emptyValue(version.field);
      }
      return { values };
    }
  }
}
