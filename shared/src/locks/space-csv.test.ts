import { describe, expect, it } from 'vitest';
import { spaceLockHistoryToCsv } from './csv';

describe('space lock history CSV', () => {
  it('[L10][L20] one row per entry, oldest first, with the lock name first and RFC 4180 quoting', () => {
    const entry = { token: 1, requestId: 'req-1', userId: 'u1', username: 'ana', via: null, detail: '' };
    const csv = spaceLockHistoryToCsv([
      {
        ...entry,
        lock: 'designs/logo, v2.psd',
        seq: 2,
        at: Date.UTC(2026, 10, 28, 3, 0, 1),
        kind: 'released',
        via: 'git-lfs' as const,
      },
      {
        ...entry,
        lock: 'designs/logo, v2.psd',
        seq: 1,
        at: Date.UTC(2026, 10, 28, 3, 0, 0),
        kind: 'granted',
        detail: '=cmd',
      },
    ]);
    expect(csv).toBe(
      'lock,seq,at,kind,token,request_id,user_id,username,detail,via\r\n' +
        `"designs/logo, v2.psd",1,2026-11-28T03:00:00.000Z,granted,1,req-1,u1,ana,'=cmd,\r\n` +
        '"designs/logo, v2.psd",2,2026-11-28T03:00:01.000Z,released,1,req-1,u1,ana,,git-lfs\r\n',
    );
  });
});
