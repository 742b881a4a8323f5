import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK } from './locks.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('advisory-lock namespaces', () => {
  it('no two namespaces share a number', () => {
    const seen = new Map<number, string>();
    for (const [name, n] of Object.entries(LOCK)) {
      assert.ok(!seen.has(n), `${name} and ${seen.get(n)} both use ${n}`);
      assert.ok(Number.isInteger(n) && n > 0 && n < 2 ** 31, `${name}: ${n} is not a positive int4`);
      seen.set(n, name);
    }
  });

  it('no query takes a two-key advisory lock with a literal namespace (every one comes from LOCK)', () => {
    const offenders: string[] = [];
    for (const file of sources(join(import.meta.dirname, '..'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/pg_advisory_(?:xact_)?lock(?:_shared)?\(\s*(\d+)\s*,/g)) offenders.push(`${file}: ${m[0]}`);
    }
    assert.deepEqual(offenders, []);
  });
});
