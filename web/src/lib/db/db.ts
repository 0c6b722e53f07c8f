import Dexie, { type EntityTable } from 'dexie';

/** A space as this device knows it. Local-only spaces have no cloud id yet. */
export interface LocalSpace {
  id: string;
  name: string;
  createdAt: number;
}

/** An item on this device. */
export interface LocalItem {
  id: string;
  spaceId: string;
  kind: 'note' | 'record' | 'file';
  title: string;
  body: string;
  updatedAt: number;
}

/** The app's IndexedDB database. Versions are append-only: never edit one that has shipped. */
export class BatonDatabase extends Dexie {
  spaces!: EntityTable<LocalSpace, 'id'>;
  items!: EntityTable<LocalItem, 'id'>;

  constructor(name = 'baton') {
    super(name);
    this.version(1).stores({
      spaces: 'id',
      items: 'id, spaceId, [spaceId+kind], updatedAt',
    });
  }
}

/** The one database of this origin. */
export const db = new BatonDatabase();
