import * as v from 'valibot';
import type { Stamp } from '../sync/hlc';

// Retention that people can predict (V13–V15). Pure: the space's object feeds it the versions'
// metadata (never their values) and applies what it answers in one transaction.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Every version is kept this long unless an owner chose less. */
export const KEEP_ALL_DAYS = 30;
/** After which thinned versions go (named and merge versions stay). */
export const KEEP_DAYS = 365;
/** Where one per day gives way to one per week. */
const DAILY_UNTIL_MS = 90 * DAY;

/** A space's retention: every version for `keepAllDays`, thinned ones up to `keepDays` (V14). */
export const RetentionSchema = v.pipe(
  v.strictObject({
    keepAllDays: v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(KEEP_ALL_DAYS)),
    keepDays: v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(KEEP_DAYS)),
  }),
  v.check((r) => r.keepDays >= r.keepAllDays, 'keepDays cannot be shorter than keepAllDays'),
);

/** A space's retention. */
export type Retention = v.InferOutput<typeof RetentionSchema>;

/** What every space keeps unless its owner chose a shorter window. */
export const DEFAULT_RETENTION: Retention = { keepAllDays: KEEP_ALL_DAYS, keepDays: KEEP_DAYS };

/** What thinning reads of a version: never its value. */
export interface VersionMeta {
  itemId: string;
  field: string;
  stamp: Stamp;
  at: number;
  base: Stamp | null;
  mergedFrom: Stamp | null;
  next: Stamp | null;
}

/** One version's key: item, field, stamp. */
export type VersionKey = readonly [itemId: string, field: string, stamp: Stamp];

/** What thinning does: versions to drop, and kept versions whose `next` skips over dropped ones. */
export interface ThinningPlan {
  drop: VersionKey[];
  relink: { key: VersionKey; next: Stamp | null }[];
}

/** Versions kept whatever their age, by key (see {@link versionKeyText}). */
export interface Protected {
  /** The current version of every field. */
  current: ReadonlySet<string>;
  /** Named versions (V8) and the versions conflict copies came from. */
  kept: ReadonlySet<string>;
}

/** The text form of a key, for sets. */
export function versionKeyText(itemId: string, field: string, stamp: Stamp): string {
  return `${itemId}\u0000${field}\u0000${stamp}`;
}

/** Kept whatever else is in its slot: younger than the keep-all window. */
const KEEP_EVERY = 'all';

/** The thinning slot of a version of age `age`, {@link KEEP_EVERY}, or null past the retained window. */
function bucketOf(at: number, age: number, retention: Retention): string | null {
  const keepAll = retention.keepAllDays * DAY;
  if (age < keepAll) return KEEP_EVERY;
  if (age >= retention.keepDays * DAY) return null;
  if (age < keepAll + DAY) return `h${Math.floor(at / HOUR)}`;
  if (age < DAILY_UNTIL_MS) return `d${Math.floor(at / DAY)}`;
  return `w${Math.floor(at / WEEK)}`;
}

/**
 * Which versions to drop at `now` (V13, V15): every version younger than `keepAllDays` stays;
 * older ones are thinned to the newest per hour for the first day after that, per day up to 90
 * days, per week after that, and dropped after `keepDays`. Never dropped: the current version of
 * a field, named versions and versions conflict copies came from, merges and both their sides, and
 * every version on the `next` chain from the base of a recent version (a write on an old base
 * still merges exactly). Buckets are fixed in time, so a version kept once stays kept until it
 * ages into a coarser bucket: thinning again later never brings anything back nor loses more
 * than the rules say.
 */
export function planThinning(
  versions: readonly VersionMeta[],
  now: number,
  retention: Retention,
  keep: Protected,
): ThinningPlan {
  const byKey = new Map<string, VersionMeta>();
  for (const version of versions)
    byKey.set(versionKeyText(version.itemId, version.field, version.stamp), version);
  const safe = new Set<string>([...keep.current, ...keep.kept]);
  const protect = (version: VersionMeta, stamp: Stamp | null) => {
    if (stamp !== null) safe.add(versionKeyText(version.itemId, version.field, stamp));
  };
  for (const version of versions) {
    if (version.mergedFrom === null) continue;
    protect(version, version.stamp);
    protect(version, version.base);
    protect(version, version.mergedFrom);
  }
  // The chain a merge walks from a recent write's base to the field's current version (S37).
  // Chains only join, so a walk stops where an earlier one passed: each version is walked once.
  const walked = new Set<string>();
  for (const version of versions) {
    if (now - version.at >= retention.keepAllDays * DAY || version.base === null) continue;
    let key = versionKeyText(version.itemId, version.field, version.base);
    let cursor = byKey.get(key);
    while (cursor && !walked.has(key)) {
      walked.add(key);
      safe.add(key);
      key = cursor.next === null ? '' : versionKeyText(cursor.itemId, cursor.field, cursor.next);
      cursor = byKey.get(key);
    }
  }
  const newest = new Map<string, VersionMeta>();
  const dropped = new Set<string>();
  for (const version of versions) {
    const key = versionKeyText(version.itemId, version.field, version.stamp);
    const bucket = bucketOf(version.at, now - version.at, retention);
    if (bucket === KEEP_EVERY || safe.has(key)) continue;
    if (bucket === null) {
      dropped.add(key);
      continue;
    }
    const slot = `${version.itemId}\u0000${version.field}\u0000${bucket}`;
    const held = newest.get(slot);
    if (!held) newest.set(slot, version);
    else if (version.stamp > held.stamp) {
      dropped.add(versionKeyText(held.itemId, held.field, held.stamp));
      newest.set(slot, version);
    } else dropped.add(key);
  }
  return { drop: [...dropped].map(keyOf), relink: relinks(versions, byKey, dropped) };
}

function keyOf(text: string): VersionKey {
  const [itemId = '', field = '', stamp = ''] = text.split('\u0000');
  return [itemId, field, stamp];
}

/** Kept versions whose `next` was dropped now point at the next kept one along the chain. */
function relinks(
  versions: readonly VersionMeta[],
  byKey: ReadonlyMap<string, VersionMeta>,
  dropped: ReadonlySet<string>,
): ThinningPlan['relink'] {
  const out: ThinningPlan['relink'] = [];
  for (const version of versions) {
    if (version.next === null) continue;
    const own = versionKeyText(version.itemId, version.field, version.stamp);
    const nextKey = versionKeyText(version.itemId, version.field, version.next);
    if (dropped.has(own) || !dropped.has(nextKey)) continue;
    let next: Stamp | null = version.next;
    for (let steps = 0; next !== null && steps < versions.length; steps++) {
      const key = versionKeyText(version.itemId, version.field, next);
      if (!dropped.has(key)) break;
      next = byKey.get(key)?.next ?? null;
    }
    out.push({ key: [version.itemId, version.field, version.stamp], next });
  }
  return out;
}
