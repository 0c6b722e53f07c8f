/**
 * Paths strictly below a folder, as a range of a column's index: `<path>/` ≤ value < `<path>0`
 * (`0` follows `/` in UTF-8). Not LIKE: the runtime's SQLite refuses LIKE patterns over 50 bytes,
 * so a folder a few levels down could not be deleted, copied or moved (D10); a range also reads
 * only the rows below the folder.
 */
export function belowClause(column: string): string {
  return `(${column} >= ? AND ${column} < ?)`;
}

/** The two bounds {@link belowClause} takes for `path`. */
export function belowBounds(path: string): [string, string] {
  return [`${path}/`, `${path}0`];
}
