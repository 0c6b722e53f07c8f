/**
 * Brings a Durable Object's SQLite schema up to date. `steps[i]` is the SQL of schema version
 * i + 1; steps are append-only, like any shipped schema. Runs in one transaction, so an object
 * never sees a half-migrated schema.
 */
export function migrate(storage: DurableObjectStorage, steps: readonly string[]): void {
  const sql = storage.sql;
  storage.transactionSync(() => {
    sql.exec('CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)');
    const row = sql.exec<{ version: number }>('SELECT version FROM _schema').toArray()[0];
    const current = row?.version ?? 0;
    if (current >= steps.length) return;
    for (const step of steps.slice(current)) sql.exec(step);
    if (row) sql.exec('UPDATE _schema SET version = ?', steps.length);
    else sql.exec('INSERT INTO _schema (version) VALUES (?)', steps.length);
  });
}
