import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { LINK_LIFETIME_SEC, makeToken, peekToken, verifyToken, type LinkPurpose } from './link-tokens.js';

const SECRET = 'a'.repeat(64);
const NOW = 1_760_000_000;
const ids = { w: 7, m: 123_456, c: 42 };
const PURPOSES: LinkPurpose[] = ['open', 'click', 'unsubscribe', 'preferences'];
/** A token in the pre-purpose format: the claims as JSON, base64url, and the same truncated HMAC. */
const legacy = (claims: object) => {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url').slice(0, 32)}`;
};

describe('link tokens', () => {
  test('a token verifies for its own purpose only', () => {
    for (const minted of PURPOSES) {
      const t = makeToken(SECRET, minted, minted === 'click' ? { ...ids, u: 'https://shop.test/a' } : ids, NOW);
      for (const used of PURPOSES) {
        const c = verifyToken(SECRET, t, used, NOW + 10);
        if (used === minted) assert.deepEqual([c?.w, c?.m, c?.c], [7, 123_456, 42], `${minted} token on ${used}`);
        else assert.equal(c, null, `${minted} token on ${used}`);
      }
    }
  });

  test('expiry: open and click after a year, unsubscribe and preferences after five; the verifier takes the time', () => {
    assert.equal(LINK_LIFETIME_SEC.click, 365 * 86_400);
    assert.equal(LINK_LIFETIME_SEC.unsubscribe, 5 * 365 * 86_400);
    for (const p of PURPOSES) {
      const t = makeToken(SECRET, p, ids, NOW);
      const end = NOW + LINK_LIFETIME_SEC[p];
      assert.ok(verifyToken(SECRET, t, p, end - 1), `${p} just before expiry`);
      assert.equal(verifyToken(SECRET, t, p, end), null, `${p} at expiry`);
    }
    const click = makeToken(SECRET, 'click', { ...ids, u: 'https://shop.test/a' }, NOW);
    assert.equal(verifyToken(SECRET, click, 'click', NOW + 366 * 86_400), null, 'a click link from 366 days ago');
    assert.ok(verifyToken(SECRET, makeToken(SECRET, 'unsubscribe', ids, NOW), 'unsubscribe', NOW + 4 * 365 * 86_400), 'unsubscribe after four years');
  });

  test('a wrong secret, a changed payload (purpose, expiry, ids) or a truncated signature fail', () => {
    const t = makeToken(SECRET, 'open', ids, NOW);
    assert.equal(verifyToken('b'.repeat(64), t, 'open', NOW), null);
    const [payload, sig] = t.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    for (const change of [{ p: 'u' }, { e: claims.e + 10 * 365 * 86_400 }, { w: 8 }, { c: 43 }]) {
      const tampered = `${Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url')}.${sig}`;
      assert.equal(verifyToken(SECRET, tampered, change.p === 'u' ? 'unsubscribe' : 'open', NOW), null, JSON.stringify(change));
    }
    assert.equal(verifyToken(SECRET, t.slice(0, -1), 'open', NOW), null);
    assert.equal(verifyToken(SECRET, payload!, 'open', NOW), null);
  });

  test('tokens stay short enough for URLs', () => {
    const t = makeToken(SECRET, 'unsubscribe', { w: 2_147_483_647, m: 9_007_199_254_740_991, c: 9_007_199_254_740_991 }, NOW);
    assert.ok(t.length <= 150, `${t.length} characters`);
    assert.match(t, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{32}$/);
  });

  test('peek refuses ids that could not be in the database (workspace beyond 32 bits, zero, negative, fractional)', () => {
    assert.ok(peekToken(makeToken(SECRET, 'open', { ...ids, w: 2_147_483_647 }, NOW)));
    for (const w of [2_147_483_648, 2 ** 40, 0, -1, 1.5, '7', null]) assert.equal(peekToken(legacy({ ...ids, w })), null, `w=${String(w)}`);
    for (const m of [0, -5, 2 ** 60]) assert.equal(peekToken(legacy({ ...ids, m })), null, `m=${m}`);
    assert.equal(peekToken(legacy({ ...ids, p: 'x', e: NOW })), null, 'unknown purpose');
    assert.equal(peekToken(legacy({ ...ids, p: 'o' })), null, 'a purpose without an expiry');
    assert.equal(peekToken('bm90IGpzb24.abc'), null);
    assert.equal(peekToken(`${Buffer.from('[1,2]').toString('base64url')}.x`), null);
  });

  test('legacy tokens (no purpose): without a URL they unsubscribe and open preferences; with one they are click links; never open', () => {
    const plain = legacy(ids);
    const click = legacy({ ...ids, u: 'https://shop.test/a' });
    assert.ok(verifyToken(SECRET, plain, 'unsubscribe', NOW));
    assert.ok(verifyToken(SECRET, plain, 'preferences', NOW));
    assert.equal(verifyToken(SECRET, plain, 'open', NOW), null);
    assert.equal(verifyToken(SECRET, plain, 'click', NOW), null);
    assert.equal(verifyToken(SECRET, click, 'click', NOW)?.u, 'https://shop.test/a');
    assert.equal(verifyToken(SECRET, click, 'unsubscribe', NOW), null);
    assert.equal(verifyToken(SECRET, click, 'open', NOW), null);
  });
});
