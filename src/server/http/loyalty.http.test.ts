import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/client.js';
import { dbTargets, http, makeWorkspace, startServer } from '../../test-support/harness.js';
import { ingestEvents } from '../ingest/ingest.service.js';
import { normalizeCall } from '../ingest/normalize.js';

let seq = 0;
function identify(userId: string, anonymousId?: string) {
  const r = normalizeCall(
    { messageId: `lh-${seq++}`, userId, anonymousId, traits: { email: `${userId}@example.com` }, timestamp: '2026-01-01T00:00:00Z' },
    'identify',
    { receivedAt: new Date(), bodyBytes: 80 },
    0,
    '',
  );
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

for (const target of dbTargets()) {
  describe(`loyalty admin API (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let admin = '';
    const api = (path: string, init: { method?: string; body?: unknown } = {}) => http(`${server.url}${path}`, { auth: admin, ...init });
    before(async () => {
      db = await target.open();
      const ws = await makeWorkspace(db, 'loyalty-http');
      admin = `Bearer ${ws.adminKey}`;
      await ingestEvents(db, ws.workspace.id, [identify('ann', 'anon-ann'), identify('bob')]);
      server = await startServer(db, { stages: null, segments: null });
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('the programme: defaults before the first save, 400 with the code and field for bad settings, a version per save', async () => {
      const empty = await api('/api/loyalty/programme');
      assert.equal(empty.status, 200);
      assert.deepEqual([empty.body.status, empty.body.version, empty.body.settings.pointsName], ['draft', 0, 'points']);
      const dup = await api('/api/loyalty/programme', {
        method: 'PUT',
        body: {
          settings: {
            earnRules: [
              { id: 'a', name: 'A', kind: 'order', pointsPerUnit: 1 },
              { id: 'a', name: 'B', kind: 'order', pointsPerUnit: 2 },
            ],
          },
        },
      });
      assert.equal(dup.status, 400);
      assert.equal(dup.body.error.code, 'validation_failed');
      assert.equal(dup.body.error.field, 'settings.earnRules.1.id');
      const zod = await api('/api/loyalty/programme', { method: 'PUT', body: { settings: { holdoutPercent: 90 } } });
      assert.equal(zod.status, 400);
      assert.equal(zod.body.error.code, 'validation_failed');
      const saved = await api('/api/loyalty/programme', {
        method: 'PUT',
        body: {
          status: 'live',
          settings: {
            expiresAfterDays: null,
            earnRules: [{ id: 'a', name: 'A', kind: 'order', pointsPerUnit: 1 }],
            tiers: {
              measure: 'points',
              term: 'lifetime',
              tiers: [
                { key: 'base', name: 'Base', entry: 0, retain: 0 },
                { key: 'gold', name: 'Gold', entry: 1000, retain: 800, multiplier: 1.5, benefits: { free_shipping: true } },
              ],
            },
          },
        },
      });
      assert.equal(saved.status, 200);
      assert.deepEqual([saved.body.status, saved.body.version], ['live', 1]);
    });

    it('404 for an unknown customer on every member route', async () => {
      for (const [method, path, body] of [
        ['GET', '/api/loyalty/members/nobody', undefined],
        ['GET', '/api/loyalty/members/nobody/ledger', undefined],
        ['POST', '/api/loyalty/members/nobody/adjust', { points: 5, reason: 'x', key: 'k' }],
        ['POST', '/api/loyalty/members/nobody/enrol', undefined],
        ['POST', '/api/loyalty/transfers', { from: 'ann', to: 'nobody', points: 1, key: 't0' }],
      ] as const) {
        const r = await api(path, { method, body });
        assert.equal(r.status, 404, `${method} ${path}`);
        assert.equal(r.body.error.code, 'not_found');
      }
    });

    it('enrol, adjust (idempotent by key), transfer, and the member view with balances, tier progress and lots', async () => {
      const enrolled = await api('/api/loyalty/members/anon-ann/enrol', { method: 'POST' });
      assert.equal(enrolled.status, 200);
      assert.equal(enrolled.body.status, 'member');
      // The tiers place a new member in the tier their measure reaches: the lowest.
      assert.equal(enrolled.body.tier.key, 'base');
      assert.equal(enrolled.body.userId, 'ann');

      const bad = await api('/api/loyalty/members/ann/adjust', { method: 'POST', body: { points: 0, reason: 'x', key: 'k' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'validation_failed');

      const add = await api('/api/loyalty/members/ann/adjust', { method: 'POST', body: { points: 300, reason: 'goodwill', key: 'adj-1' } });
      assert.equal(add.status, 200);
      assert.deepEqual([add.body.replayed, add.body.available, add.body.balance], [false, 300, 300]);
      const replay = await api('/api/loyalty/members/ann/adjust', { method: 'POST', body: { points: 300, reason: 'goodwill', key: 'adj-1' } });
      assert.deepEqual([replay.body.replayed, replay.body.balance], [true, 300]);
      // Taking more than the balance is refused: 300 available, 400 asked.
      const over = await api('/api/loyalty/members/ann/adjust', { method: 'POST', body: { points: -400, reason: 'oops', key: 'adj-2' } });
      assert.equal(over.status, 409);

      // 300 − 120 = 180 for Ann, 120 for Bob.
      const t = await api('/api/loyalty/transfers', { method: 'POST', body: { from: 'ann', to: 'bob', points: 120, key: 'tr-1', reason: 'gift' } });
      assert.equal(t.status, 200);
      assert.equal(t.body.balance, 180);
      const same = await api('/api/loyalty/transfers', { method: 'POST', body: { from: 'ann', to: 'anon-ann', points: 1, key: 'tr-2' } });
      assert.equal(same.status, 400);
      assert.equal(same.body.error.field, 'to');

      const ann = await api('/api/loyalty/members/ann');
      assert.equal(ann.status, 200);
      assert.deepEqual([ann.body.available, ann.body.pending], [180, 0]);
      // Points measure over a lifetime term: nothing earned (adjustments and transfers are not earnings), next tier gold at 1000.
      assert.deepEqual(ann.body.progress, { measure: 'points', value: 0, next: { key: 'gold', name: 'Gold', entry: 1000 }, termEndsAt: null });
      assert.equal(
        ann.body.lots.reduce((a: number, l: { remaining: number }) => a + l.remaining, 0),
        180,
      );
      const bob = await api('/api/loyalty/members/bob');
      assert.deepEqual([bob.body.status, bob.body.available], ['not_enrolled', 120]);

      const ledger = await api('/api/loyalty/members/ann/ledger');
      assert.equal(ledger.status, 200);
      assert.deepEqual(
        ledger.body.entries.map((e: { kind: string; available: number; actor: string | null }) => [e.kind, e.available, e.actor]),
        [
          ['transfer', -120, 'admin'],
          ['adjust', 300, 'admin'],
        ],
      );

      const list = await api('/api/loyalty/members?q=ann');
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.members.map((m: { userId: string; available: number }) => [m.userId, m.available]),
        [['ann', 180]],
      );
    });
  });
}
