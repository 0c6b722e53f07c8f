import * as v from 'valibot';
import { covers, folderLocksOver, isFolderLock } from '#shared/locks/folders';
import { LockHolderSchema, type LockHolder } from '#shared/locks/schemas';
import { FENCE_GRACE_MS, type FenceUpdate } from './fence';

/**
 * Schema step of the lock reservations (docs/spec/locks.md, L22): one row per lock that is held or
 * about to be granted, with its holder (or, for a grant in flight, who asked). Locks held when the
 * step runs are reserved at once, so that a folder check-out cannot be granted over them.
 */
export const RESERVATION_SCHEMA_STEP =
  'CREATE TABLE lock_reservations (name TEXT PRIMARY KEY, rev INTEGER NOT NULL, holder TEXT NOT NULL);' +
  `INSERT INTO lock_reservations (name, rev, holder)
     SELECT name, rev, coalesce(json_extract(summary, '$.holder'), '{}') FROM lock_fence WHERE token > freed_token`;

/** The answer to a reservation: go ahead and grant, or the lock in the way and its holder. */
export type ReserveAnswer = { ok: true } | { ok: false; blockedBy: string; holder: LockHolder };

interface ReservationRow {
  name: string;
  rev: number;
  holder: string;
  [key: string]: SqlStorageValue;
}

/**
 * The space's lock reservations (L22). A lock object reserves its name here before it grants a free
 * lock; the reservation is decided in one synchronous call, so of two locks that overlap (a folder
 * and anything inside it, or a folder and one above it) only the first to reserve is granted — each
 * lock still decides alone who holds it (L1). A reservation lasts while the lock's reports say it
 * is held: the report of a grant keeps it, the report of the lock going free drops it. Reports older
 * than the reservation (by the lock's `rev`) are ignored, so a late "freed" cannot drop a
 * reservation made after it.
 */
export class LockReservations {
  constructor(
    private readonly sql: SqlStorage,
    /** The folder an item is stored in, or null when `name` is no item's id (a file path). */
    private readonly itemFolder: (itemId: string) => string | null,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Reserves lock `name` for a grant about to be made from state `rev`, asked by `asker`; refused
   * when a reserved lock overlaps it. Reserving a name already reserved is not a conflict.
   */
  reserve(name: string, rev: number, asker: LockHolder): ReserveAnswer {
    const place = this.placeOf(name);
    for (const row of this.candidates(name, place)) {
      if (row.name === name || !this.inTheWay(row)) continue;
      const other = this.placeOf(row.name);
      if ((isFolderLock(name) && covers(place, other)) || (isFolderLock(row.name) && covers(other, place)))
        return { ok: false, blockedBy: row.name, holder: holderOf(row) };
    }
    // The lock is free at `rev` (only a free lock reserves), so whoever the row named before has
    // gone: until the grant's report names the new holder, the asker holds the place, with no end.
    this.sql.exec(
      `INSERT INTO lock_reservations (name, rev, holder) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET rev = max(rev, excluded.rev), holder = excluded.holder`,
      name,
      rev,
      JSON.stringify({ ...asker, expiresAt: null }),
    );
    return { ok: true };
  }

  /**
   * The reserving acquire did not grant (a retried request whose grant had ended): the lock is free
   * at `rev`, so its reservation goes unless a newer report keeps it.
   */
  unreserve(name: string, rev: number): void {
    this.sql.exec('DELETE FROM lock_reservations WHERE name = ? AND rev <= ?', name, rev);
  }

  /** A lock reported its state: held keeps (or makes) its reservation, free drops it. */
  report(update: FenceUpdate): void {
    const { rev, holder } = update.summary;
    const row = this.row(update.name);
    if (row && rev <= row.rev) return;
    if (holder) {
      this.sql.exec(
        `INSERT INTO lock_reservations (name, rev, holder) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET rev = excluded.rev, holder = excluded.holder`,
        update.name,
        rev,
        JSON.stringify(holder),
      );
    } else if (row) this.sql.exec('DELETE FROM lock_reservations WHERE name = ?', update.name);
  }

  /**
   * Where a lock sits in the tree, as a path a folder lock can cover: a folder lock is its own
   * name (`a/b/`), an item's lock sits in the item's folder now (`a/b/<id>`: items move), and any
   * other name is a file path already (`a/b/logo.psd`, as Git LFS locks are).
   */
  private placeOf(name: string): string {
    if (isFolderLock(name)) return name;
    const folder = this.itemFolder(name);
    return folder ? `${folder}/${name}` : name;
  }

  /**
   * The reservations that may overlap `name`: for a folder, every reservation (an item's folder is
   * known only from the item); otherwise only the folder locks above it, found by name.
   */
  private candidates(name: string, place: string): ReservationRow[] {
    if (isFolderLock(name))
      return this.sql.exec<ReservationRow>('SELECT name, rev, holder FROM lock_reservations').toArray();
    const above = folderLocksOver(place.slice(0, Math.max(0, place.lastIndexOf('/'))));
    if (above.length === 0) return [];
    return this.sql
      .exec<ReservationRow>(
        'SELECT name, rev, holder FROM lock_reservations WHERE name IN (SELECT value FROM json_each(?))',
        JSON.stringify(above),
      )
      .toArray();
  }

  /** A lease reported more than the fence's grace past its end has ended, reported or not (L11). */
  private inTheWay(row: ReservationRow): boolean {
    const expiresAt = holderOf(row).expiresAt;
    return expiresAt === null || expiresAt + FENCE_GRACE_MS > this.now();
  }

  private row(name: string): ReservationRow | undefined {
    return this.sql
      .exec<ReservationRow>('SELECT name, rev, holder FROM lock_reservations WHERE name = ?', name)
      .toArray()[0];
  }
}

/** The holder a reservation names; a row written before its holder was known reads as "someone". */
function holderOf(row: ReservationRow): LockHolder {
  const parsed = v.safeParse(LockHolderSchema, JSON.parse(row.holder));
  if (parsed.success) return parsed.output;
  return {
    userId: '',
    username: 'someone',
    token: 0,
    kind: 'checkout',
    via: 'app',
    grantedAt: 0,
    expiresAt: null,
  };
}
