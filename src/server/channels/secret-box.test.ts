import assert from 'node:assert/strict';
import { createCipheriv, scryptSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ok } from '../lib/result.js';
import { resolveServerSecret, SECRET_FILE, SecretBox } from './secret-box.js';

const SECRET = 'correct horse battery staple, server edition!';
const box = new SecretBox(SECRET);
const AAD = 'workspace:3:email';

describe('secret box', () => {
  test('seals and opens JSON; the sealed text holds no plaintext and differs on every seal', () => {
    const value = { password: 'hunter2-ÿ-🔑' };
    const a = box.seal(value, AAD);
    const b = box.seal(value, AAD);
    assert.notEqual(a, b, 'a fresh IV per seal');
    assert.ok(!a.includes('hunter2'));
    assert.match(a, /^v1\.[0-9a-f]{8}\./);
    assert.deepEqual(box.open(a, AAD), ok(value));
    assert.deepEqual(new SecretBox(SECRET).open(b, AAD), ok(value), 'another box with the same secret (another process) opens it');
  });

  test('reads a value sealed by hand with the documented scheme (scrypt N=2^15, AES-256-GCM, iv | tag | ciphertext)', () => {
    const key = scryptSync(SECRET, 'tenure/secret-box/v1', 32, { N: 32_768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const iv = Buffer.alloc(12, 7);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(AAD));
    const ct = Buffer.concat([c.update('{"token":"abc"}'), c.final()]);
    const sealed = `v1.${box.keyId}.${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64')}`;
    assert.deepEqual(box.open(sealed, AAD), ok({ token: 'abc' }));
  });

  test('tampering fails loudly: a flipped bit anywhere, another place (aad), another secret, garbage', () => {
    const reasonOf = (r: ReturnType<SecretBox['open']>) => (r.ok ? 'opened' : `${r.code}/${r.reason}`);
    const sealed = box.seal({ password: 'pw' }, AAD);
    const data = Buffer.from(sealed.split('.')[2]!, 'base64');
    for (const at of [0, 11, 12, 27, 28, data.length - 1]) {
      const bad = Buffer.from(data);
      bad[at]! ^= 0x01;
      const forged = `v1.${box.keyId}.${bad.toString('base64')}`;
      assert.equal(reasonOf(box.open(forged, AAD)), 'secret_unreadable/tampered', `bit flipped at byte ${at}`);
    }
    assert.equal(reasonOf(box.open(sealed, 'workspace:4:email')), 'secret_unreadable/tampered', 'moved to another workspace');
    const other = new SecretBox('another server secret of enough length, 123');
    const elsewhere = other.open(sealed, AAD);
    assert.equal(reasonOf(elsewhere), 'secret_unreadable/other_key');
    assert.match(!elsewhere.ok ? elsewhere.message : '', /TENURE_SECRET changed/);
    for (const garbage of ['', 'pw', 'v1.zz.abc', `v1.${box.keyId}.AAAA`]) {
      assert.equal(reasonOf(box.open(garbage, AAD)), 'secret_unreadable/malformed', JSON.stringify(garbage));
    }
  });

  test('refuses a server secret shorter than 32 characters', () => {
    assert.throws(() => new SecretBox('short'), RangeError);
  });
});

describe('server secret', () => {
  test('TENURE_SECRET wins everywhere', () => {
    assert.deepEqual(resolveServerSecret({ envSecret: 'x'.repeat(40), databaseUrl: 'postgres://h/db', dataDir: './nowhere' }), { ok: true, value: { secret: 'x'.repeat(40), source: 'env' } });
  });

  test('PostgreSQL without TENURE_SECRET: none, with a message that says what to set', () => {
    const r = resolveServerSecret({ databaseUrl: 'postgres://h/db', dataDir: './nowhere' });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.message : '', /TENURE_SECRET is not set.*openssl rand -hex 32/);
  });

  test('PGlite without TENURE_SECRET: generated once in the data directory (0600), the same on the next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenure-secret-'));
    try {
      const first = resolveServerSecret({ dataDir: join(dir, 'data') });
      assert.ok(first.ok && first.value.source === 'data_dir');
      const path = join(dir, 'data', SECRET_FILE);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(readFileSync(path, 'utf8').trim(), first.ok ? first.value.secret : '');
      assert.equal(first.ok ? first.value.secret.length : 0, 64);
      const second = resolveServerSecret({ dataDir: join(dir, 'data') });
      assert.deepEqual(second, first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
