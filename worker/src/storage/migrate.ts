/**
 * Brings a Durable Object's SQLite schema up to date. `steps[i]` is the SQL of schema version
 * i + 1; steps are append-only, like any shipped schema. Runs in one transaction, so an object
 * never sees a half-migrated schema.
 *
 * Storage at a version this code has no step for was written by a newer release (a rollback, or
 * an old version still serving during a gradual deployment): it is refused, never opened, because
 * older code could write rows the newer schema no longer means (docs/self-hosting.md, H6).
 */
export function migrate(storage: DurableObjectStorage, steps: readonly string[]): void {
  const sql = storage.sql;
  storage.transactionSync(() => {
    sql.exec('CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)');
    const row = sql.exec<{ version: number }>('SELECT version FROM _schema').toArray()[0];
    const current = row?.version ?? 0;
    if (current > steps.length) throw new SchemaTooNewError(current, steps.length);
    if (current === steps.length) return;
    for (const step of steps.slice(current)) sql.exec(step);
    if (row) sql.exec('UPDATE _schema SET version = ?', steps.length);
    else sql.exec('INSERT INTO _schema (version) VALUES (?)', steps.length);
  });
}

/** Thrown when stored data is at a newer schema version than this code knows. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly stored: number,
    readonly known: number,
  ) {
    super(
      `This data was written by a newer version of Baton (storage schema ${stored}; this version knows up to ${known}). ` +
        'Run that newer version again, or restore a backup taken before the upgrade.',
    );
    this.name = 'SchemaTooNewError';
  }
}
