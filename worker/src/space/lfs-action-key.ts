import { randomToken } from '../kernel/crypto';

/** The key that signs a space's LFS transfer actions (G3): made on first use, gone with the space. */
export function lfsActionKey(sql: SqlStorage): string {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'lfs_action_key'").toArray()[0];
  if (row) return row.value;
  const key = randomToken(32);
  sql.exec("INSERT INTO meta (key, value) VALUES ('lfs_action_key', ?)", key);
  return key;
}
