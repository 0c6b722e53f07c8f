import { describe, expect, it } from 'vitest';
import { formatStamp } from '../sync/hlc';
import {
  DEFAULT_RETENTION,
  planThinning,
  versionKeyText,
  type Protected,
  type Retention,
  type VersionMeta,
} from './retention';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 0, 5); // a Monday
/** Writes a day in the long test, and how far apart (a write every half hour). */
const PER_DAY = 48;
const EVERY = 30 * MINUTE;

/** A fake clock and a store of one field's versions, each replacing the one before. */
class FakeHistory {
  versions: VersionMeta[] = [];
  now = START;

  write(at = this.now, extra: Partial<VersionMeta> = {}): VersionMeta {
    const last = this.versions.at(-1);
    const version: VersionMeta = {
      itemId: 'note-1',
      field: 'body',
      stamp: formatStamp({ wall: at, counter: this.versions.length % 1000, node: 'dev1' }),
      at,
      base: last?.stamp ?? null,
      mergedFrom: null,
      next: null,
      ...extra,
    };
    if (last) last.next = version.stamp;
    this.versions.push(version);
    return version;
  }

  /** Thins at the clock's time and applies the plan, as the space's object does. */
  thin(retention: Retention = DEFAULT_RETENTION, kept: ReadonlySet<string> = new Set()): void {
    const current = this.versions.at(-1);
    const keep: Protected = {
      current: new Set(current ? [versionKeyText(current.itemId, current.field, current.stamp)] : []),
      kept,
    };
    const plan = planThinning(this.versions, this.now, retention, keep);
    const gone = new Set(plan.drop.map(([i, f, s]) => versionKeyText(i, f, s)));
    const byStamp = new Map(this.versions.map((version) => [version.stamp, version]));
    for (const { key, next } of plan.relink) {
      const version = byStamp.get(key[2]);
      if (version) version.next = next;
    }
    this.versions = this.versions.filter(
      (version) => !gone.has(versionKeyText(version.itemId, version.field, version.stamp)),
    );
  }

  agesInDays(): number[] {
    return this.versions.map((version) => (this.now - version.at) / DAY);
  }
}

function countPer(
  versions: VersionMeta[],
  size: number,
  from: number,
  to: number,
  now: number,
): Map<number, number> {
  const counts = new Map<number, number>();
  for (const version of versions) {
    const age = now - version.at;
    if (age < from || age >= to) continue;
    const bucket = Math.floor(version.at / size);
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return counts;
}

describe('retention (V13–V15)', () => {
  it('[V13] on a clock moving forward day by day, every version of 30 days stays, older ones thin per hour, day, week, and go after a year', () => {
    const history = new FakeHistory();
    for (let day = 0; day < 400; day++) {
      for (let write = 0; write < PER_DAY; write++) history.write(history.now + write * EVERY + MINUTE);
      history.now += DAY;
      if (day % 5 === 4) history.thin();
    }
    const { now } = history;
    const young = history.versions.filter((version) => now - version.at < 30 * DAY);
    expect(young).toHaveLength(30 * PER_DAY);
    // The version the oldest of those grew from stays too (V15); the rest is thinned.
    const base = young[0]?.base;
    expect(history.versions.find((version) => version.stamp === base)).toBeDefined();
    const versions = history.versions.filter((version) => version.stamp !== base);
    expect(Math.max(...countPer(versions, HOUR, 30 * DAY, 31 * DAY, now).values())).toBe(1);
    expect(countPer(versions, HOUR, 30 * DAY, 31 * DAY, now).size).toBe(24);
    expect(Math.max(...countPer(versions, DAY, 31 * DAY, 90 * DAY, now).values())).toBe(1);
    expect(Math.max(...countPer(versions, 7 * DAY, 90 * DAY, 365 * DAY, now).values())).toBe(1);
    expect(history.agesInDays().filter((age) => age >= 365)).toEqual([]);
    // Thinned once at the end or every day on the way: the same versions stay.
    const once = new FakeHistory();
    for (let day = 0; day < 400; day++)
      for (let write = 0; write < PER_DAY; write++) once.write(START + day * DAY + write * EVERY + MINUTE);
    once.now = now;
    once.thin();
    expect(once.versions.map((version) => version.at)).toEqual(history.versions.map((version) => version.at));
  });

  it('[V14] an owner’s shorter window keeps less; none keeps only the current version', () => {
    const history = new FakeHistory();
    for (let hour = 0; hour < 20 * 24; hour++) history.write(START + hour * HOUR + MINUTE);
    history.now = START + 20 * DAY;
    history.thin({ keepAllDays: 7, keepDays: 10 });
    expect(Math.max(...history.agesInDays())).toBeLessThan(10);
    expect(history.agesInDays().filter((age) => age < 7)).toHaveLength(7 * 24);
    history.thin({ keepAllDays: 0, keepDays: 0 });
    expect(history.versions).toHaveLength(1);
    expect(history.versions[0]?.next).toBeNull();
  });

  it('[V15] named versions, merges with both sides, the chain under a recent write and the current version are never thinned', () => {
    const history = new FakeHistory();
    const named = history.write(START);
    const old = history.write(START + HOUR);
    for (let hour = 2; hour < 24 * 100; hour++) history.write(START + hour * HOUR);
    const written = history.versions[50];
    const theirs = history.versions[60];
    if (!written || !theirs) throw new Error('setup');
    history.write(START + 100 * DAY, { mergedFrom: written.stamp, base: theirs.stamp });
    history.now = START + 500 * DAY;
    // A write made today on a version from long ago: the chain from there to now must stay.
    history.write(history.now, { base: old.stamp });
    const keptNames = new Set([versionKeyText(named.itemId, named.field, named.stamp)]);
    history.thin({ keepAllDays: 30, keepDays: 365 }, keptNames);
    const stamps = new Set(history.versions.map((version) => version.stamp));
    for (const version of [named, old, written, theirs]) expect(stamps.has(version.stamp)).toBe(true);
    // Every kept version's next is kept, or none: a chain never points at a dropped version.
    for (const version of history.versions)
      if (version.next !== null) expect(stamps.has(version.next)).toBe(true);
    history.thin({ keepAllDays: 0, keepDays: 0 }, keptNames);
    const left = new Set(history.versions.map((version) => version.stamp));
    expect([named, written, theirs].every((version) => left.has(version.stamp))).toBe(true);
    expect(left.has(history.versions.at(-1)?.stamp ?? '')).toBe(true);
  });
});
