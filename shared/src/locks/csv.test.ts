import { describe, expect, it } from 'vitest';
import { csvField, lockHistoryToCsv } from './csv';

describe('lock history CSV', () => {
  it('[L10][L20] has a header and one row per entry with ISO times', () => {
    const csv = lockHistoryToCsv([
      {
        seq: 1,
        at: Date.UTC(2026, 10, 28, 3, 0, 0),
        kind: 'granted',
        token: 1,
        requestId: 'r1',
        userId: 'u1',
        username: 'alice',
        detail: 'lease of 1000 ms',
        via: 'webdav',
      },
      {
        seq: 2,
        at: Date.UTC(2026, 10, 28, 3, 0, 1),
        kind: 'broken',
        token: 1,
        requestId: 'r1',
        userId: 'u2',
        username: 'bob, "the owner"',
        detail: '',
        via: null,
      },
    ]);
    expect(csv.split('\r\n')).toEqual([
      'seq,at,kind,token,request_id,user_id,username,detail,via',
      '1,2026-11-28T03:00:00.000Z,granted,1,r1,u1,alice,lease of 1000 ms,webdav',
      '2,2026-11-28T03:00:01.000Z,broken,1,r1,u2,"bob, ""the owner""",,',
      '',
    ]);
  });

  it('defuses spreadsheet formulas in user text', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1')).toBe("'-1");
    expect(csvField(-1)).toBe('-1');
    expect(csvField(null)).toBe('');
  });

  it('[L12] defuses formulas behind leading whitespace and full-width formula characters', () => {
    expect(csvField(' =1+1')).toBe("' =1+1");
    expect(csvField('\u00a0\u3000+SUM(A1)')).toBe("'\u00a0\u3000+SUM(A1)");
    expect(csvField('\n=1')).toBe(`"'\n=1"`);
    for (const wide of ['＝1+1', '＋1', '－1', '＠SUM(A1)', '  ＝1']) expect(csvField(wide)).toBe(`'${wide}`);
    expect(csvField(' plain text')).toBe(' plain text');
    expect(csvField('a=b')).toBe('a=b');
  });
});
