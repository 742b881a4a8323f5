import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IdentityGraph } from './identity-graph.js';
import type { Profile } from './profile.js';

function graph(start = 100) {
  let next = start;
  return new IdentityGraph(() => next++);
}

const stored = (id: number, userId: string | null): Profile => ({
  id,
  userId,
  traits: {},
  traitTimes: {},
  firstTouch: null,
  lastTouch: null,
  isNew: false,
  dirty: false,
});

describe('IdentityGraph', () => {
  it("gives anonymous activity its own profile, then makes it the user's on identify", () => {
    const g = graph();
    const a = g.resolve(null, 'anon-1');
    const b = g.resolve('user-1', 'anon-1');
    assert.equal(a, b);
    assert.equal(g.profile(b).userId, 'user-1');
    assert.equal(g.merges.length, 0);
    assert.deepEqual(
      g
        .identityRows('new')
        .map((r) => `${r.kind}:${r.value}:${r.customer_id}`)
        .sort(),
      ['anonymous:anon-1:100', 'user:user-1:100'],
    );
  });

  it('merges a stored anonymous profile into a stored known one', () => {
    const g = graph();
    g.load('user', 'u', 1);
    g.load('anonymous', 'a', 2);
    g.addProfile(stored(1, 'u'));
    g.addProfile(stored(2, null));
    const id = g.resolve('u', 'a');
    assert.equal(id, 1);
    assert.deepEqual(g.merges, [{ fromId: 2, intoId: 1, reason: 'identify', fromStored: true }]);
    assert.equal(g.lookup('anonymous', 'a'), 1);
  });

  it('does not merge two known users sharing a device; the anonymousId follows the new user', () => {
    const g = graph();
    g.load('user', 'alice', 1);
    g.load('anonymous', 'device', 1);
    g.addProfile(stored(1, 'alice'));
    const bob = g.resolve('bob', 'device');
    assert.notEqual(bob, 1);
    assert.equal(g.merges.length, 0);
    assert.equal(g.lookup('anonymous', 'device'), bob);
    assert.equal(g.profile(1).userId, 'alice');
  });

  it('alias merges an old userId into the new one and keeps the old id resolvable', () => {
    const g = graph();
    g.load('user', 'old', 1);
    g.load('user', 'new', 2);
    g.addProfile(stored(1, 'old'));
    g.addProfile(stored(2, 'new'));
    assert.equal(g.alias('new', 'old'), 2);
    assert.equal(g.lookup('user', 'old'), 2);
    assert.equal(g.merges[0]?.reason, 'alias');
  });
});
