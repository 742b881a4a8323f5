import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { backgroundSlots } from './wiring.js';

const postgres = (max: number) => ({ kind: 'postgres', poolStats: () => ({ max }) }) as unknown as Db;
const pglite = { kind: 'pglite' } as unknown as Db;

test('background slots leave the writer lanes and two connections of the pool to the request path', () => {
  assert.equal(backgroundSlots(postgres(10), true, {}), 6);
  assert.equal(backgroundSlots(postgres(10), true, { ingestLanes: 4 }), 4);
  assert.equal(backgroundSlots(postgres(4), true, {}), 1, 'never fewer than one: the background must move on');
  assert.equal(backgroundSlots(postgres(10), false, {}), 0, 'a worker-only process has no request path: no limit');
  assert.equal(backgroundSlots(pglite, true, {}), 0, 'PGlite: one connection anyway');
  assert.equal(backgroundSlots(postgres(10), true, { backgroundSlots: 0 }), 0, 'TENURE_BACKGROUND_SLOTS=0: no limit');
  assert.equal(backgroundSlots(postgres(10), true, { backgroundSlots: 3 }), 3);
});
