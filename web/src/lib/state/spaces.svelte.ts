import * as v from 'valibot';
import { RoleSchema, type Role } from '#shared/accounts/roles';
import { createSpace, listSpaces } from '../api/session';
import { ApiRequestError } from '../api/http';
import { db } from '../db/db';
import { isLocalSpace, LOCAL_SPACE_ID, newLocalSpaceId } from '../spaces/space-ids';

/** A space in the switcher: local-only ones (no role: the device's owner may do anything) and cloud ones. */
export interface SpaceEntry {
  spaceId: string;
  name: string;
  role: Role | null;
  local: boolean;
}

const CACHE_KEY = 'baton.cloudSpaces';

const CachedSpacesSchema = v.array(
  v.object({ spaceId: v.string(), name: v.string(), role: v.nullable(RoleSchema), local: v.boolean() }),
);

function cached(): SpaceEntry[] {
  try {
    const parsed = v.safeParse(CachedSpacesSchema, JSON.parse(localStorage.getItem(CACHE_KEY) ?? '[]'));
    return parsed.success ? parsed.output : [];
  } catch {
    return [];
  }
}

/**
 * The spaces this person can open: local-only spaces from IndexedDB, and their cloud spaces from
 * the server (remembered for offline use). `signedIn` is null until the server has answered.
 */
class SpacesState {
  local = $state.raw<SpaceEntry[]>([
    { spaceId: LOCAL_SPACE_ID, name: 'On this device', role: null, local: true },
  ]);
  cloud = $state.raw<SpaceEntry[]>(cached());
  signedIn = $state<boolean | null>(null);
  #loading: Promise<void> | null = null;

  get all(): SpaceEntry[] {
    return [...this.local, ...this.cloud];
  }

  byId(spaceId: string): SpaceEntry | undefined {
    return this.all.find((space) => space.spaceId === spaceId);
  }

  nameOf(spaceId: string): string {
    return this.byId(spaceId)?.name ?? (spaceId === LOCAL_SPACE_ID ? 'On this device' : 'Space');
  }

  /** The caller's role; local spaces are the device owner's, so they count as owner. */
  roleOf(spaceId: string): Role | null {
    if (isLocalSpace(spaceId)) return 'owner';
    return this.byId(spaceId)?.role ?? null;
  }

  /** Reads the lists again; `signedOut` skips asking the server (the session already said so). */
  refresh(options: { signedOut?: boolean } = {}): Promise<void> {
    this.#loading ??= this.#load(options.signedOut === true).finally(() => (this.#loading = null));
    return this.#loading;
  }

  async #load(signedOut: boolean): Promise<void> {
    const rows = await db.spaces.toArray();
    this.local = [
      { spaceId: LOCAL_SPACE_ID, name: 'On this device', role: null, local: true },
      ...rows
        .filter((row) => row.id !== LOCAL_SPACE_ID)
        .map((row) => ({ spaceId: row.id, name: row.name, role: null, local: true })),
    ];
    if (signedOut) {
      this.signedIn = false;
      this.cloud = [];
      localStorage.removeItem(CACHE_KEY);
      return;
    }
    try {
      const spaces = await listSpaces();
      this.cloud = spaces.map((space) => ({
        spaceId: space.spaceId,
        name: space.name,
        role: space.role,
        local: false,
      }));
      this.signedIn = true;
      localStorage.setItem(CACHE_KEY, JSON.stringify(this.cloud));
    } catch (error) {
      if (error instanceof ApiRequestError && error.status === 401) {
        this.signedIn = false;
        this.cloud = [];
        localStorage.removeItem(CACHE_KEY);
      }
      // Offline: keep the remembered list.
    }
  }

  /** Signed out: the cloud spaces are no longer this device's to list (S25). */
  forgetCloud(): void {
    this.signedIn = false;
    this.cloud = [];
    localStorage.removeItem(CACHE_KEY);
  }

  /** A new local-only space (used by imports when not signed in). */
  async createLocal(name: string): Promise<string> {
    const id = newLocalSpaceId();
    await db.spaces.add({ id, name, createdAt: Date.now() });
    await this.refresh();
    return id;
  }

  /** A new cloud space owned by the user. */
  async createCloud(name: string): Promise<string> {
    const space = await createSpace(name);
    await this.refresh();
    return space.spaceId;
  }
}

/** The spaces this person can open. */
export const spaces = new SpacesState();
