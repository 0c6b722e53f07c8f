import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { HealthResponseSchema } from '#shared/health';
import { ErrorBodySchema } from '#shared/errors';
import { APP_VERSION, PROTOCOL_VERSION } from '#shared/version';
import * as v from 'valibot';

const worker = exports.default;

describe('health and the error path', () => {
  it('GET /api/health answers ok with the release version', async () => {
    const res = await worker.fetch('http://baton.test/api/health');
    expect(res.status).toBe(200);
    const body = v.parse(HealthResponseSchema, await res.json());
    expect(body.ok).toBe(true);
    expect(body.version).toBe(APP_VERSION);
    expect(body.protocol).toBe(PROTOCOL_VERSION);
  });

  it('an unknown /api route is a JSON 404 with a code and message', async () => {
    const res = await worker.fetch('http://baton.test/api/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = v.parse(ErrorBodySchema, await res.json());
    expect(body.code).toBe('NOT_FOUND');
    expect(body.message).toContain('/api/no-such-thing');
  });

  it.each(['/api/health', '/api/nope', '/'])('security headers are set on %s', async (path) => {
    const res = await worker.fetch(`http://baton.test${path}`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('[B1] only the file-hashing worker script may compile WebAssembly', async () => {
    const hashWorker = await worker.fetch('http://baton.test/assets/hash.worker-Abc_12.js');
    expect(hashWorker.headers.get('content-security-policy')).toContain(
      "script-src 'self' 'wasm-unsafe-eval'",
    );
    for (const path of ['/', '/assets/index-Abc_12.js', '/api/health', '/x/assets/hash.worker-Abc_12.js']) {
      const res = await worker.fetch(`http://baton.test${path}`);
      expect(res.headers.get('content-security-policy')).not.toContain('wasm-unsafe-eval');
    }
  });
});
