import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInboxIdentity, inboxUserHash, newInboxSecret } from './inbox-verification.js';

describe('inbox identity verification', () => {
  it('inboxUserHash is HMAC-SHA256 as hex (vectors from `openssl dgst -sha256 -hmac`)', () => {
    assert.equal(inboxUserHash('secret', 'ivy'), '35b8ae597d45d417851d8d5cb8a5f4086ea1e9bacf7789b20913d13d1cb75ac5');
    const secret = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
    assert.equal(inboxUserHash(secret, 'user_42'), 'aa2acbba66aec54bcf4cd57d28c726285f6b4aa95c2266f66ac3007e789e9e03');
  });

  it('new secrets are 32 random bytes in hex', () => {
    const a = newInboxSecret();
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.notEqual(a, newInboxSecret());
  });

  it('with verification on: needs a userId and its hash; upper-case hex is the same hash; anything else is refused', () => {
    const on = { verification: true, secret: 'secret' };
    const good = inboxUserHash('secret', 'ivy');
    assert.equal(checkInboxIdentity(on, { userId: 'ivy', userHash: good }).code, 'ok');
    assert.equal(checkInboxIdentity(on, { userId: 'ivy', userHash: good.toUpperCase() }).code, 'ok');
    assert.equal(checkInboxIdentity(on, { userId: 'ivy' }).code, 'missing_hash');
    assert.equal(checkInboxIdentity(on, { userId: 'ivy', userHash: inboxUserHash('secret', 'eve') }).code, 'wrong_hash');
    assert.equal(checkInboxIdentity(on, { userId: 'ivy', userHash: good.slice(0, 63) }).code, 'wrong_hash', 'a short hash');
    assert.equal(checkInboxIdentity(on, { userId: 'ivy', userHash: 'zz' + good.slice(2) }).code, 'wrong_hash', 'not hex');
    assert.equal(checkInboxIdentity(on, { anonymousId: 'a1', userHash: inboxUserHash('secret', 'a1') }).code, 'anonymous');
    assert.equal(checkInboxIdentity({ verification: true, secret: null }, { userId: 'ivy', userHash: inboxUserHash('', 'ivy') }).code, 'wrong_hash', 'no secret, no match');
  });

  it('with verification off everything passes', () => {
    assert.equal(checkInboxIdentity({ verification: false, secret: 's' }, { anonymousId: 'a1' }).code, 'ok');
  });
});
