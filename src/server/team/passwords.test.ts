import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { hashPassword, verifyPassword } from './passwords.js';

describe('passwords (scrypt)', () => {
  it('stores scrypt with its parameters and a fresh salt, and checks it', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b, 'each hash has its own salt');
    assert.equal(await verifyPassword('correct horse battery', a), true);
    assert.equal(await verifyPassword('correct horse batterY', a), false);
  });

  it('is RFC 7914 scrypt: the stored hash is what scrypt gives for the salt', async () => {
    const stored = await hashPassword('pässword-ü');
    const [, n, r, p, salt, hash] = stored.split('$');
    const again = scryptSync('pässword-ü'.normalize('NFKC'), Buffer.from(salt!, 'base64url'), 32, { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * 2 ** 20 });
    assert.equal(again.toString('base64url'), hash);
  });

  it('refuses unreadable or absurd stored forms without throwing', async () => {
    for (const bad of [null, '', 'plain', 'scrypt$1$8$1$AAAA$BBBB', 'scrypt$4194304$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'bcrypt$x$y$z$a$b'])
      assert.equal(await verifyPassword('x', bad), false, String(bad));
  });
});
