import * as v from 'valibot';
import { StampSchema, type Stamp } from './hlc';
import {
  ClientItemIdSchema,
  FieldNameSchema,
  ItemIdSchema,
  ItemKindSchema,
  JsonValueSchema,
  type ItemKind,
  type ItemState,
  type JsonValue,
} from './item';

/** A mutation id, made on the client; the server remembers it so a retried batch applies once (S3). */
export const MutationIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'Invalid mutation id'));

/** Most fields one mutation may write. */
export const MAX_MUTATION_FIELDS = 256;

/**
 * One field write: the new value, and `b` (base), the stamp of that field the writer had when it
 * made the edit (null when it had none). The server uses the base to tell a deliberate overwrite
 * from a concurrent one (S6); it never reads the value.
 */
export const WriteSchema = v.strictObject({ v: JsonValueSchema, b: v.nullable(StampSchema) });

/** One field write. */
export type Write = v.InferOutput<typeof WriteSchema>;

/** A lock token the writer holds for the item (S8, rule L11 of the locks spec). */
export const LockClaimSchema = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  token: v.pipe(v.number(), v.integer(), v.minValue(1)),
});

/** A lock token the writer holds. */
export type LockClaim = v.InferOutput<typeof LockClaimSchema>;

/**
 * One user edit of one item, as it travels in a push: every field it writes shares one HLC
 * stamp. A delete is a write of `$deleted: true`; a restore writes `$deleted: false`.
 */
export const MutationSchema = v.strictObject({
  id: MutationIdSchema,
  itemId: ItemIdSchema,
  kind: ItemKindSchema,
  stamp: StampSchema,
  set: v.pipe(
    v.record(FieldNameSchema, WriteSchema),
    v.check((set) => Object.keys(set).length > 0, 'A mutation must write at least one field'),
    v.check(
      (set) => Object.keys(set).length <= MAX_MUTATION_FIELDS,
      `At most ${MAX_MUTATION_FIELDS} fields per mutation`,
    ),
  ),
  lock: v.optional(LockClaimSchema),
});

/** One user edit of one item. */
export type Mutation = v.InferOutput<typeof MutationSchema>;

/** True when a client may create an item under this id (conflict-copy ids are the server's). */
export function isClientItemId(id: string): boolean {
  return v.is(ClientItemIdSchema, id);
}

/** What a client needs to make a mutation: the ids, the stamp and the new field values. */
export interface MutationInput {
  id: string;
  itemId: string;
  kind: ItemKind;
  stamp: Stamp;
  values: Record<string, JsonValue>;
  lock?: LockClaim;
}

/**
 * Builds a mutation against the writer's current copy of the item (`local`), taking each
 * field's base stamp from it (S6).
 */
export function makeMutation(local: ItemState | null, input: MutationInput): Mutation {
  const set: Record<string, Write> = {};
  for (const [field, value] of Object.entries(input.values)) {
    set[field] = { v: value, b: local?.fields[field]?.s ?? null };
  }
  const mutation: Mutation = {
    id: input.id,
    itemId: input.itemId,
    kind: input.kind,
    stamp: input.stamp,
    set,
  };
  if (input.lock) mutation.lock = input.lock;
  return mutation;
}
