import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffFields, valueText } from './diff.js';

describe('audit before/after diff', () => {
  it('marks changed, added, removed and unchanged fields by dotted path', () => {
    const before = { name: 'VIPs', definition: { all: [{ trait: 'plan', op: 'eq', value: 'pro' }] }, tags: ['a'], note: 'x' };
    const after = { name: 'Top VIPs', definition: { all: [{ trait: 'plan', op: 'eq', value: 'team' }] }, tags: ['a', 'b'] };
    assert.deepEqual(diffFields(before, after), [
      { path: 'name', kind: 'changed', before: 'VIPs', after: 'Top VIPs' },
      { path: 'definition.all[0].trait', kind: 'same', before: 'plan', after: 'plan' },
      { path: 'definition.all[0].op', kind: 'same', before: 'eq', after: 'eq' },
      { path: 'definition.all[0].value', kind: 'changed', before: 'pro', after: 'team' },
      { path: 'tags[0]', kind: 'same', before: 'a', after: 'a' },
      { path: 'note', kind: 'removed', before: 'x' },
      { path: 'tags[1]', kind: 'added', after: 'b' },
    ]);
  });

  it('a created object has every field added, a deleted one every field removed; empty containers are values', () => {
    assert.deepEqual(diffFields(null, { id: 7, traits: {} }), [
      { path: 'id', kind: 'added', after: 7 },
      { path: 'traits', kind: 'added', after: {} },
    ]);
    assert.deepEqual(diffFields({ id: 7 }, null), [{ path: 'id', kind: 'removed', before: 7 }]);
    assert.deepEqual(diffFields(null, null), []);
  });

  it('a scalar before/after is one unnamed field; null versus missing is a change', () => {
    assert.deepEqual(diffFields('open', 'done'), [{ path: '', kind: 'changed', before: 'open', after: 'done' }]);
    assert.deepEqual(diffFields({ a: null }, { a: 1 }), [{ path: 'a', kind: 'changed', before: null, after: 1 }]);
  });

  it('writes strings as they are and other values as JSON', () => {
    assert.equal(valueText('pro'), 'pro');
    assert.equal(valueText(3), '3');
    assert.equal(valueText(null), 'null');
    assert.equal(valueText({ a: [1] }), '{"a":[1]}');
    assert.equal(valueText(undefined), '');
  });
});
