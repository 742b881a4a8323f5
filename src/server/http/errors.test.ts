import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../contracts/errors.js';
import { fail } from '../lib/result.js';
import { HttpError, httpErrorOf, STATUS_OF } from './errors.js';

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
      const ours = code === 'internal' || code === 'unavailable' || (code.startsWith('provider_') && code !== 'provider_not_connected');
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

describe('a failed Result as an HTTP error', () => {
  it('takes the status of every code from the one table, through httpErrorOf', () => {
    for (const code of ErrorCode.options) {
      const e = httpErrorOf(fail(code, `failed with ${code}`));
      assert.deepEqual([e.code, e.status, e.message], [code, STATUS_OF[code], `failed with ${code}`]);
    }
  });

  it('answers the index, field and retry time of its extras and nothing else; a route may word the message', () => {
    const e = httpErrorOf(fail('invalid_event', 'no event name', { index: 2, field: 'batch.2.event', permanent: true }));
    assert.deepEqual(e.extra, { index: 2, field: 'batch.2.event' });
    assert.deepEqual(httpErrorOf(fail('rate_limited', 'busy', { retryAfter: 5 })).extra, { retryAfter: 5 });
    assert.equal(httpErrorOf(fail('validation_failed', 'bad'), 'rendering failed: bad').message, 'rendering failed: bad');
  });
});
