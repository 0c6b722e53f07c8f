import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { apiClient, appPassword } from '../support/api-client';
import { dav } from '../support/dav';
import { declareServerError } from '../support/declare-server-error';

const baseUrl = inject('baseUrl');
const client = apiClient(baseUrl);

/** Runs litmus as a script does: at once, with the named groups. */
function litmus(url: string, auth: { username: string; password: string }, groups: string): string {
  return spawnSync('litmus', [url, auth.username, auth.password], {
    env: { ...process.env, TESTS: groups },
    cwd: mkdtempSync(join(tmpdir(), 'litmus-')),
    encoding: 'latin1',
    timeout: 240_000,
  }).stdout;
}

const failed = (output: string) => [...output.matchAll(/\d+\. (\w+)\.+ FAIL/g)].map((m) => m[1] ?? '');

// litmus started by a script right after the folders it runs in were made found 500s on COPY,
// MOVE and DELETE of collections (D10); by hand, or at the top of a space, it passed.
describe('WebDAV litmus in nested folders made just before', { timeout: 300_000 }, () => {
  for (const depth of [2, 3]) {
    it(`[D10] ${depth} levels down: basic and copymove pass, locks fail only where documented`, async () => {
      const user = await client.signUp();
      await client.createSpace(user.cookie, 'Nested');
      const { password } = await appPassword(baseUrl, user);
      const auth = { username: user.username, password };
      let path = '/dav/Nested';
      for (let level = 1; level <= depth; level++) {
        path += `/level ${level} of a folder tree made by a script`;
        expect((await dav(baseUrl, auth, 'MKCOL', `${path}/`)).status).toBe(201);
      }
      const url = `${baseUrl}${encodeURI(path)}/`;
      const out = litmus(url, auth, 'basic copymove');
      expect(failed(out), out).toEqual([]);
      expect(out, out).toMatch(/summary for `copymove': of 13 tests run: 13 passed/);
      // D5: a shared lock is refused with 501; a folder lock is a folder check-out (L24).
      declareServerError({ status: 501, method: 'LOCK', path: `${encodeURI(path)}/litmus/lockme` });
      const locks = litmus(url, auth, 'locks');
      expect(failed(locks), locks).toEqual(['lock_shared']);
    });
  }
});
