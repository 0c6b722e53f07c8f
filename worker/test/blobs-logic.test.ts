import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planCleanup } from '../src/blobs/cleanup';
import { contentDisposition, safeFileName, servedContentType } from '../src/blobs/disposition';
import { blobKey } from '../src/blobs/keys';
import { checkQuota } from '#shared/blobs/quota';
import { parseRange } from '../src/blobs/range';

const SHA = 'a'.repeat(64);

describe('Range parsing', () => {
  it('[B14] first bytes, middle, open end and suffix ranges', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(parseRange('bytes=500-599', 1000)).toEqual({ kind: 'partial', start: 500, end: 599 });
    expect(parseRange('bytes=900-', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ kind: 'partial', start: 0, end: 999 });
    expect(parseRange('bytes=990-5000', 1000)).toEqual({ kind: 'partial', start: 990, end: 999 });
  });

  it('[B14] no header, another unit or several ranges serve the whole blob', () => {
    expect(parseRange(null, 10)).toEqual({ kind: 'full' });
    expect(parseRange('items=0-1', 10)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=0-1,4-5', 10)).toEqual({ kind: 'full' });
  });

  it('[B14] a range past the end or malformed is unsatisfiable', () => {
    for (const header of [
      'bytes=1000-',
      'bytes=1000-2000',
      'bytes=5-2',
      'bytes=-0',
      'bytes=-',
      'bytes=abc',
      'bytes=1-2-3',
    ]) {
      expect(parseRange(header, 1000), header).toEqual({ kind: 'unsatisfiable' });
    }
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('[B14] every satisfiable range lies inside the blob (fuzz)', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.option(fc.nat(20_000)), fc.option(fc.nat(20_000)), (size, a, b) => {
        const range = parseRange(`bytes=${a ?? ''}-${b ?? ''}`, size);
        if (range.kind === 'partial') {
          expect(range.start).toBeGreaterThanOrEqual(0);
          expect(range.end).toBeLessThan(size);
          expect(range.start).toBeLessThanOrEqual(range.end);
        }
      }),
    );
  });
});

describe('Content-Disposition and type of user content', () => {
  it('[B16] names lose paths, quotes, control and bidi characters', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
    expect(safeFileName('a"b\r\nc;d.txt')).toBe('a_b__c_d.txt');
    expect(safeFileName('photo\u202egpj.exe')).toBe('photogpj.exe');
    expect(safeFileName('.hidden')).toBe('hidden');
    expect(safeFileName('')).toBe('download');
    expect(safeFileName(undefined)).toBe('download');
    expect([...safeFileName('x'.repeat(1000))].length).toBe(180);
  });

  it('[B16] the header keeps the exact UTF-8 name and an ASCII fallback', () => {
    expect(contentDisposition('Résumé (final).pdf', 'application/pdf', false)).toBe(
      `attachment; filename="R_sum_ (final).pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28final%29.pdf`,
    );
    expect(contentDisposition('cat.png', 'image/png', true)).toMatch(/^inline; /);
  });

  it('[B16] only inline-safe types are served as such and shown inline', () => {
    expect(servedContentType('image/png')).toBe('image/png');
    expect(servedContentType('IMAGE/PNG ')).toBe('image/png');
    for (const type of [
      'text/html',
      'image/svg+xml',
      'application/javascript',
      'text/html; charset=utf-8',
      '',
      undefined,
    ]) {
      expect(servedContentType(type), String(type)).toBe('application/octet-stream');
    }
    expect(contentDisposition('x.bin', 'application/octet-stream', true)).toMatch(/^attachment; /);
  });

  it('[B16] fuzz: the header never carries a quote, backslash or line break inside the name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (name) => {
        const header = contentDisposition(name, 'application/octet-stream', false);
        const fallback = /filename="([^"]*)"/.exec(header)?.[1] ?? '';
        // eslint-disable-next-line no-control-regex -- looking for control characters is the point
        expect(header).not.toMatch(/[\r\n\u0000]/);
        expect(fallback).not.toMatch(/["\\/]/);
        expect(header.split('"').length).toBe(3);
      }),
    );
  });
});

describe('R2 keys', () => {
  it('[B2] are made only of the space id and the hash', () => {
    expect(blobKey('space_1-A', SHA)).toBe(`spaces/space_1-A/blobs/${SHA}`);
    expect(() => blobKey('../other', SHA)).toThrow();
    expect(() => blobKey('a/b', SHA)).toThrow();
    expect(() => blobKey('ok', 'A'.repeat(64))).toThrow();
    expect(() => blobKey('ok', `${'a'.repeat(63)}/`)).toThrow();
  });
});

describe('quota', () => {
  const usage = { usedBytes: 600, reservedBytes: 300, quotaBytes: 1000 };

  it('[B7] a file over the maximum size is refused as too large', () => {
    expect(checkQuota(usage, 2001, 2000)).toMatchObject({ ok: false, code: 'FILE_TOO_LARGE' });
  });

  it('[B8] uploads in flight count against the quota', () => {
    expect(checkQuota(usage, 100, 2000)).toEqual({ ok: true });
    expect(checkQuota(usage, 101, 2000)).toMatchObject({ ok: false, code: 'QUOTA_EXCEEDED' });
    expect(checkQuota({ ...usage, reservedBytes: 0 }, 400, 2000)).toEqual({ ok: true });
  });
});

describe('orphan clean-up plan (fake clock)', () => {
  const HOUR = 3_600_000;

  it('[B12] an orphan is kept for the whole grace period, then deleted', () => {
    const blobs = [{ sha256: 'x', orphanSince: 1000, graceMs: HOUR }];
    expect(planCleanup(blobs, [], 1000 + HOUR - 1)).toEqual({
      deleteBlobs: [],
      expireUploads: [],
      nextAlarmAt: 1000 + HOUR,
    });
    expect(planCleanup(blobs, [], 1000 + HOUR).deleteBlobs).toEqual(['x']);
  });

  it('[B12] a referenced blob is never deleted', () => {
    expect(planCleanup([{ sha256: 'x', orphanSince: null, graceMs: HOUR }], [], 10 * HOUR)).toEqual({
      deleteBlobs: [],
      expireUploads: [],
      nextAlarmAt: null,
    });
  });

  it('[B12] an orphan is not deleted while an upload of the same hash is in flight', () => {
    const plan = planCleanup(
      [{ sha256: 'x', orphanSince: 0, graceMs: HOUR }],
      [{ uploadId: 'u', sha256: 'x', expiresAt: 5 * HOUR }],
      2 * HOUR,
    );
    expect(plan).toEqual({ deleteBlobs: [], expireUploads: [], nextAlarmAt: 5 * HOUR });
  });

  it('[B13] a stale upload is expired and no longer protects its hash', () => {
    const plan = planCleanup(
      [{ sha256: 'x', orphanSince: 0, graceMs: HOUR }],
      [{ uploadId: 'u', sha256: 'x', expiresAt: HOUR }],
      2 * HOUR,
    );
    expect(plan).toEqual({ deleteBlobs: ['x'], expireUploads: ['u'], nextAlarmAt: null });
  });

  it('[B12] each blob has its own grace: a released one waits out the trash period', () => {
    const DAY = 24 * HOUR;
    const plan = planCleanup(
      [
        { sha256: 'never-used', orphanSince: 0, graceMs: DAY },
        { sha256: 'released', orphanSince: 0, graceMs: 31 * DAY },
      ],
      [],
      2 * DAY,
    );
    expect(plan).toEqual({ deleteBlobs: ['never-used'], expireUploads: [], nextAlarmAt: 31 * DAY });
  });

  it('[B12] the next alarm is the earliest pending moment', () => {
    const plan = planCleanup(
      [
        { sha256: 'a', orphanSince: 3 * HOUR, graceMs: HOUR },
        { sha256: 'b', orphanSince: 2 * HOUR, graceMs: HOUR },
      ],
      [{ uploadId: 'u', sha256: 'c', expiresAt: 4 * HOUR }],
      2 * HOUR,
    );
    expect(plan.nextAlarmAt).toBe(3 * HOUR);
  });
});
