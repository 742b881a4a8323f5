import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoles, partsOf } from './roles.js';

describe('--roles', () => {
  it('reads a comma-separated list, trimmed and case-insensitive', () => {
    const r = parseRoles(' API, worker ');
    assert.ok(r.ok);
    assert.deepEqual([...r.value].sort(), ['api', 'worker']);
  });

  it('refuses an unknown or empty list, naming the roles there are', () => {
    const bad = parseRoles('api,wroker');
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.message : '', /unknown role "wroker": the roles are api, worker, journeys, scheduler/);
    const empty = parseRoles(' , ');
    assert.equal(empty.ok, false);
    assert.match(!empty.ok ? empty.message : '', /at least one of/);
  });

  it('worker runs every background part; journeys and scheduler one each; api none of them', () => {
    assert.deepEqual(partsOf(new Set(['worker'])), { api: false, stages: true, segments: true, journeys: true, jobs: true, schedule: true });
    assert.deepEqual(partsOf(new Set(['journeys'])), { api: false, stages: false, segments: false, journeys: true, jobs: false, schedule: false });
    assert.deepEqual(partsOf(new Set(['scheduler'])), { api: false, stages: false, segments: false, journeys: false, jobs: false, schedule: true });
    assert.deepEqual(partsOf(new Set(['api'])), { api: true, stages: false, segments: false, journeys: false, jobs: false, schedule: false });
  });
});
