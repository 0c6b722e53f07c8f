// Rows bound to one SQL statement as a JSON array for `json_each(?)`: how the change log and the
// version store write a batch with a few statements instead of one per row.

// A bound parameter stays well below SQLite's and the runtime's value limits.
const MAX_PARAM_CHARS = 512 * 1024;

/** Splits rows into JSON arrays of at most MAX_PARAM_CHARS characters, for `json_each(?)`. */
export function jsonChunks(rows: unknown[][]): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let size = 0;
  for (const row of rows) {
    const json = JSON.stringify(row);
    if (parts.length > 0 && size + json.length > MAX_PARAM_CHARS) {
      chunks.push(`[${parts.join(',')}]`);
      parts = [];
      size = 0;
    }
    parts.push(json);
    size += json.length + 1;
  }
  if (parts.length > 0) chunks.push(`[${parts.join(',')}]`);
  return chunks;
}
