import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../../db/client.js';
import { basic, dbTargets, http, makeWorkspace, startServer, until } from '../../../test-support/harness.js';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/** Two measures: active days in 30 (0 → 0, 10 → 100, weight 1) and the pro plan (100 / 0, weight 1). */
const SCORECARD = {
  measures: [
    {
      key: 'usage',
      name: 'Usage',
      weight: 1,
      kind: {
        type: 'events',
        fn: 'days',
        withinDays: 30,
        points: [
          [0, 0],
          [10, 100],
        ],
      },
    },
    { key: 'pro', name: 'Pro plan', weight: 1, kind: { type: 'rule', condition: { trait: { path: 'plan', op: 'eq', value: 'pro' } } } },
  ],
};

for (const target of dbTargets()) {
  describe(`health scores admin API (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let admin: string;
    const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${server.url}${path}`, { auth: admin, ...init });

    before(async () => {
      db = await target.open();
      const keys = await makeWorkspace(db, 'health-http');
      admin = `Bearer ${keys.adminKey}`;
      server = await startServer(db);
      // ann (pro): active on 4 days of the last 30; ben (free): on 1. Both in account acme.
      const batch = [
        { type: 'identify', userId: 'ann', traits: { plan: 'pro' }, timestamp: ago(40) },
        { type: 'identify', userId: 'ben', traits: { plan: 'free' }, timestamp: ago(40) },
        { type: 'group', userId: 'ann', groupId: 'acme', timestamp: ago(40) },
        { type: 'group', userId: 'ben', groupId: 'acme', timestamp: ago(40) },
        ...[2, 5, 9, 14].map((d) => ({ type: 'track', userId: 'ann', event: 'Feature Used', timestamp: ago(d) })),
        { type: 'track', userId: 'ben', event: 'Feature Used', timestamp: ago(3) },
      ];
      const r = await http(`${server.url}/v1/batch`, { auth: basic(keys.writeKey), body: { batch } });
      assert.equal(r.status, 200);
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('refuses an invalid scorecard with 400 naming the measure field, and keeps the one in use', async () => {
      const bad = async (measure: Record<string, unknown>, field: RegExp) => {
        const r = await api('/api/health/scorecard', { method: 'PUT', body: { measures: [SCORECARD.measures[0], measure] } });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.error.code, 'validation_failed');
        assert.match(r.body.error.message, field);
      };
      await bad({ ...SCORECARD.measures[1], weight: 0 }, /^body\.measures\.1\.weight: /);
      await bad(
        {
          ...SCORECARD.measures[1],
          kind: {
            type: 'events',
            withinDays: 30,
            points: [
              [5, 0],
              [1, 100],
            ],
          },
        },
        /^body\.measures\.1\.kind\.points: .*increasing/,
      );
      await bad(
        { ...SCORECARD.measures[1], kind: { type: 'rule', condition: { all: [{ performed: { event: 'X', count: { op: 'most', value: 1 } } }] } } },
        /^body\.measures\.1\.kind\.condition\.all\.0\.performed\.count\.op: /,
      );
      await bad({ ...SCORECARD.measures[1], kind: { type: 'guess' } }, /^body\.measures\.1\.kind\.type: /);
      await bad({ ...SCORECARD.measures[1], key: 'usage' }, /^body\.measures\.1\.key: two measures have the key "usage"/);
      await bad(
        {
          ...SCORECARD.measures[1],
          kind: {
            type: 'score',
            name: 'health',
            points: [
              [0, 0],
              [100, 100],
            ],
          },
        },
        /^body\.measures\.1\.kind\.name: /,
      );
      const missing = await api('/api/health/scorecard', { method: 'PUT', body: { measures: [{ ...SCORECARD.measures[1], kind: { type: 'rule', condition: { inSegment: { id: 'seg_nope' } } } }] } });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error.field, 'measures.0.kind.condition.inSegment.id');
      const bands = await api('/api/health/scorecard', { method: 'PUT', body: { ...SCORECARD, bands: { yellowFrom: 80, greenFrom: 60 } } });
      assert.equal(bands.status, 400);
      assert.match(bands.body.error.message, /^body\.bands\.yellowFrom: /);
      const current = await api('/api/health/scorecard');
      assert.equal(current.status, 200);
      assert.equal(current.body.isDefault, true, 'nothing was saved');
      assert.ok(current.body.scorecard.measures.some((m: { key: string }) => m.key === 'usage'));
    });

    it('saves a scorecard, recomputes as a job with progress, and shows customer and account health', async () => {
      const saved = await api('/api/health/scorecard', { method: 'PUT', body: SCORECARD });
      assert.equal(saved.status, 200);
      assert.equal(saved.body.isDefault, false);
      assert.deepEqual(saved.body.scorecard.bands, { yellowFrom: 40, greenFrom: 70 }, 'default bands');
      assert.equal(saved.body.scorecard.measures[1].kind.ifTrue, 100);

      const started = await api('/api/health/recompute', { method: 'POST' });
      assert.equal(started.status, 202);
      const job = await until('the health job', async () => {
        const j = (await api(`/api/jobs/${started.body.job.id}`)).body;
        if (j.status === 'failed') throw new Error(j.error);
        return j.status === 'done' ? j : undefined;
      });
      assert.deepEqual([job.done, job.total], [3, 3], 'two customers and one account');

      // ann: 4 days → 40, pro 100: (40 + 100) / 2 = 70 → green. ben: 1 day → 10, free 0: 5 → red.
      const ann = await api('/api/customers/ann/health');
      assert.equal(ann.status, 200);
      assert.deepEqual([ann.body.score, ann.body.band], [70, 'green']);
      assert.deepEqual(
        ann.body.measures.map((m: { key: string; name: string; score: number }) => [m.key, m.name, m.score]),
        [
          ['usage', 'Usage', 40],
          ['pro', 'Pro plan', 100],
        ],
      );
      assert.equal(ann.body.history.length, 1);
      assert.ok(ann.body.computedAt);
      const ben = await api('/api/customers/ben/health');
      assert.deepEqual([ben.body.score, ben.body.band], [5, 'red']);
      // acme: usage (40 + 10) / 2 = 25, pro (100 + 0) / 2 = 50 → 37.5, red.
      const acme = await api('/api/accounts/acme/health');
      assert.equal(acme.status, 200);
      assert.deepEqual([acme.body.scope, acme.body.score, acme.body.band], ['account', 37.5, 'red']);

      assert.equal((await api('/api/customers/nobody/health')).status, 404);
      assert.equal((await api('/api/accounts/nothing/health')).status, 404);
      assert.equal((await http(`${server.url}/api/health/scorecard`)).status, 401);
      const doc = await http(`${server.url}/openapi.json`);
      assert.ok(doc.body.paths['/api/health/scorecard'].put && doc.body.paths['/api/accounts/{id}/health'].get, 'in the OpenAPI document');
    });
  });
}
