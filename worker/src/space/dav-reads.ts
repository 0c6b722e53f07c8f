/**
 * Schema step of the WebDAV reads (docs/spec/webdav.md D24): the version of each item an app
 * password last read, so that a PUT without `If-Match` names the version its program read (S37).
 */
export const DAV_READS_SCHEMA_STEP =
  'CREATE TABLE dav_reads (reader TEXT NOT NULL, item_id TEXT NOT NULL, version TEXT NOT NULL,' +
  ' at INTEGER NOT NULL, PRIMARY KEY (reader, item_id))';

/** The versions WebDAV clients read, per app password and item. */
export class DavReads {
  constructor(private readonly sql: SqlStorage) {}

  /** `reader` (an app password) read version `version` of `itemId`. */
  record(reader: string, itemId: string, version: string, now: number): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO dav_reads (reader, item_id, version, at) VALUES (?, ?, ?, ?)',
      reader,
      itemId,
      version,
      now,
    );
  }

  /** The version of `itemId` that `reader` last read, or null when it never read it. */
  lastRead(reader: string, itemId: string): string | null {
    const row = this.sql
      .exec<{ version: string }>(
        'SELECT version FROM dav_reads WHERE reader = ? AND item_id = ?',
        reader,
        itemId,
      )
      .toArray()[0];
    return row?.version ?? null;
  }
}
