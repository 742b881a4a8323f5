import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../contracts/errors.js';
import { HttpError, STATUS_OF } from './errors.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('the code → status table', () => {
  it('gives every error code of the contract one status: 4xx for the caller’s, 5xx for ours and upstream', () => {
    assert.deepEqual(Object.keys(STATUS_OF).sort(), [...ErrorCode.options].sort());
    for (const [code, status] of Object.entries(STATUS_OF)) {
      const ours = code === 'internal' || code === 'unavailable' || code.startsWith('provider_') && code !== 'provider_not_connected';
      assert.ok(ours ? status >= 500 && status < 600 : status >= 400 && status < 500, `${code}: ${status}`);
    }
  });

  it('an HttpError takes its status from the table', () => {
    assert.equal(new HttpError('not_found', 'no such thing').status, 404);
    assert.equal(new HttpError('upload_too_large', 'too big').status, 413);
    assert.equal(new HttpError('rate_limited', 'slow down', { retryAfter: 2 }).status, 429);
  });

  it('no code outside http/errors.ts sets a status of its own (reply.status with a 4xx or 5xx literal)', () => {
    const offenders: string[] = [];
    for (const file of sources(join(import.meta.dirname, '..'))) {
      if (file.endsWith('http/errors.ts')) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(/\.(?:status|code)\(\s*([45]\d\d)\s*\)/g)) offenders.push(`${file}: ${m[0]}`);
    }
    assert.deepEqual(offenders, []);
  });
});
