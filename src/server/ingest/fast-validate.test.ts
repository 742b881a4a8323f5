import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { CallSchemas, CALL_TYPES, type CallType } from '../../contracts/segment.js';
import { Rng } from '../lib/rng.js';
import { certainlyValid } from './fast-validate.js';

// Values around every limit of the schemas: empty, 1, 200/201 and 512/513 characters, numbers, wrong types.
const VALUES: unknown[] = [
  undefined,
  null,
  '',
  'x',
  'a'.repeat(200),
  'a'.repeat(201),
  'a'.repeat(512),
  'a'.repeat(513),
  0,
  42,
  1.5,
  -1,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  false,
  {},
  { a: 1 },
  [],
  [1],
  '2025-01-01T00:00:00Z',
];
const FIELDS = [
  'messageId',
  'userId',
  'anonymousId',
  'timestamp',
  'originalTimestamp',
  'sentAt',
  'context',
  'integrations',
  'writeKey',
  'type',
  'event',
  'properties',
  'name',
  'category',
  'traits',
  'groupId',
  'previousId',
];

function validCall(type: CallType): Record<string, unknown> {
  const base = { messageId: 'm-1', userId: 'u-1', anonymousId: 'a-1', timestamp: '2025-01-01T00:00:00Z', context: { ip: '1.2.3.4' }, type };
  switch (type) {
    case 'track':
      return { ...base, event: 'Order Completed', properties: { revenue: 42 } };
    case 'page':
    case 'screen':
      return { ...base, name: 'Home', properties: { path: '/' } };
    case 'identify':
      return { ...base, traits: { plan: 'pro' } };
    case 'group':
      return { ...base, groupId: 'acme', traits: { seats: 5 } };
    case 'alias':
      return { ...base, previousId: 'old-id' };
  }
}

describe('certainlyValid (the fast path before zod)', () => {
  it('accepts the well-formed calls SDKs send, so the fast path is taken', () => {
    for (const type of CALL_TYPES) assert.equal(certainlyValid(validCall(type), type), true, type);
  });

  it('never says yes to a call its zod schema refuses (20,000 random calls)', () => {
    const r = new Rng(2026); // seeded, so a failure reproduces
    const rand = () => r.next();
    let fast = 0;
    for (let i = 0; i < 20_000; i++) {
      const type = CALL_TYPES[Math.floor(rand() * CALL_TYPES.length)]!;
      const call = validCall(type);
      const changes = 1 + Math.floor(rand() * 3);
      for (let c = 0; c < changes; c++) {
        const field = FIELDS[Math.floor(rand() * FIELDS.length)]!;
        const value = VALUES[Math.floor(rand() * VALUES.length)];
        if (value === undefined && rand() < 0.5) delete call[field];
        else call[field] = value;
      }
      if (!certainlyValid(call, type)) continue;
      fast++;
      const zod = (CallSchemas[type] as z.ZodType).safeParse(call);
      assert.ok(zod.success, `fast path accepted a ${type} call zod refuses: ${JSON.stringify(call)} (${zod.success ? '' : zod.error.issues[0]?.message})`);
    }
    assert.ok(fast > 2_000, `the fast path should accept a good share of the random calls; took ${fast}`);
  });
});
