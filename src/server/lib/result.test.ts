import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fail, ok, type Result } from './result.js';

/** A function of the kind the type is for: a value, or a failure naming the field at fault. */
function parsePercent(text: string): Result<number, { code: 'bad_parameter'; message: string; field: string }> {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 100) return fail('bad_parameter', `"${text}" is not a percentage from 0 to 100`, { field: 'percent' });
  return ok(n);
}

describe('Result', () => {
  it('a success holds its value under `value`; ok() is the success of a Result<void>', () => {
    assert.deepEqual(ok(3), { ok: true, value: 3 });
    assert.deepEqual(ok(), { ok: true, value: undefined });
    const r = parsePercent('42');
    assert.ok(r.ok);
    assert.equal(r.value, 42);
  });

  it('a failure carries its code and message with its extras beside them, and `!r.ok` narrows to it', () => {
    assert.deepEqual(fail('not_found', 'no such thing'), { ok: false, code: 'not_found', message: 'no such thing' });
    const r = parsePercent('140');
    assert.ok(!r.ok);
    assert.deepEqual([r.code, r.field, r.message], ['bad_parameter', 'percent', '"140" is not a percentage from 0 to 100']);
  });

  it('extras cannot overwrite the tag, the code or the message', () => {
    const r = fail('conflict', 'taken', { ok: true, code: 'other', message: 'other', field: 'name' });
    assert.deepEqual(r, { ok: false, code: 'conflict', message: 'taken', field: 'name' });
  });
});
