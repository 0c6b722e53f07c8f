/**
 * A TEXT column's value. This code stored it, so anything but a string is a broken invariant,
 * thrown rather than turned into "[object ArrayBuffer]".
 */
export function str(value: SqlStorageValue | undefined): string {
  if (typeof value !== 'string')
    throw new Error(`Expected a text column, found ${value === null ? 'null' : typeof value}.`);
  return value;
}
