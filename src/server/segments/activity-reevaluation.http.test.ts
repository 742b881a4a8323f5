/**
 * The per-workspace activity setting end to end: PATCH /api/workspace changes whether opens
 * count, the answer carries the re-evaluation job, and once it is done both rule evaluators
 * (the SQL count of a condition and the JS evaluation behind segment membership), the stage
 * engine, the profile's last seen and the KPI facts all see the reader who only opens mail as
 * active — and none did before.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/client.js';
import { syncFacts } from '../analytics/facts.js';
import { basic, dbTargets, http, makeWorkspace, startServer, until } from '../../test-support/harness.js';
import { findCustomerId } from '../identity/customers.read.js';
import { ModelCache } from '../lifecycle/models.repo.js';
import { recomputeStages } from '../lifecycle/stage-service.js';
import { computeSegment } from './segment-sync.js';
import { insertSegment } from './segments.repo.js';
import { previewSegment } from './segments.service.js';
import type { Condition } from '../../contracts/condition.js';

const DAY = 86_400_000;
const SEEN_LATELY: Condition = { lastSeen: { op: 'within', duration: { amount: 30, unit: 'days' } } };

for (const target of dbTargets()) {
  describe(`the activity setting (${target.name})`, () => {
    let db: Db;
    let server: Awaited<ReturnType<typeof startServer>>;
    let adminKey: string;
    let ws: number;
    const now = new Date();
    const ago = (days: number) => new Date(now.getTime() - days * DAY).toISOString();
    const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${server.url}${path}`, { auth: `Bearer ${adminKey}`, ...init });
    const stageOf = async (userId: string) =>
      (await db.query<{ stage: string }>(`SELECT stage FROM stage_states WHERE workspace_id = $1 AND scope = 'customer' AND subject_id = $2`, [ws, await findCustomerId(db, ws, userId)])).rows[0]
        ?.stage;
    const members = async () =>
      (
        await db.query<{ user_id: string }>(`SELECT c.user_id FROM segment_members m JOIN customers c ON c.id = m.customer_id WHERE m.workspace_id = $1 AND m.segment_id = 'seen-lately' ORDER BY 1`, [
          ws,
        ])
      ).rows.map((r) => r.user_id);
    const days = async (userId: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM analytics_days WHERE customer_id = $1`, [await findCustomerId(db, ws, userId)])).rows[0]!.n;

    before(async () => {
      db = await target.open();
      let writeKey: string;
      ({
        adminKey,
        writeKey,
        workspace: { id: ws },
      } = await makeWorkspace(db, 'activity-setting'));
      server = await startServer(db, { stages: null, segments: null });
      const track = (userId: string, event: string, at: string) => http(`${server.url}/v1/track`, { auth: basic(writeKey), body: { userId, event, timestamp: at } });
      // Both signed up 100 days ago; since then the reader has only opened a newsletter (10 days ago), the clicker clicked one.
      for (const [userId, event] of [
        ['reader', 'Email Opened'],
        ['clicker', 'Email Link Clicked'],
      ] as const) {
        assert.equal((await track(userId, 'Signed Up', ago(100))).status, 200);
        assert.equal((await track(userId, event, ago(10))).status, 200);
      }
      await insertSegment(db, ws, 'seen-lately', { name: 'Seen in the last 30 days', description: '', condition: SEEN_LATELY } as never);
      await recomputeStages(db, ws, { now, models: new ModelCache() });
      await computeSegment(db, ws, 'seen-lately', now);
      await syncFacts(db);
    });
    after(async () => {
      await server.close();
      await db.close();
    });

    it('by default a click is activity and an open is not, in every place that asks', async () => {
      assert.deepEqual((await api('/api/workspace')).body.activity, { opens: false, clicks: true });
      assert.deepEqual(await members(), ['clicker']);
      assert.equal((await previewSegment(db, ws, SEEN_LATELY, 10, now)).count, 1);
      assert.notEqual(await stageOf('reader'), await stageOf('clicker'), 'the reader went quiet 100 days ago; the clicker came 10 days ago');
      assert.equal(Date.parse((await api('/api/customers/reader')).body.lastSeenAt), Date.parse(ago(100)));
      assert.equal(await days('reader'), 1);
      assert.equal(await days('clicker'), 2);
    });

    it('refuses a bad setting with 400 naming the field, changing nothing', async () => {
      for (const [body, field] of [
        [{ activity: { opens: 'yes' } }, 'activity.opens'],
        [{ activity: { views: true } }, 'activity'],
      ] as const) {
        const r = await api('/api/workspace', { method: 'PATCH', body });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.error.code, 'validation_failed');
        assert.ok(String(r.body.error.field ?? '').startsWith(field), JSON.stringify(r.body));
      }
      assert.deepEqual((await api('/api/workspace')).body.activity, { opens: false, clicks: true });
    });

    it('counting opens re-evaluates stages, segments, last seen and the KPI facts as a job', async () => {
      const r = await api('/api/workspace', { method: 'PATCH', body: { activity: { opens: true } } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.activity, { opens: true, clicks: true });
      assert.equal(r.body.job.kind, 'activity.reevaluate');
      const job = await until(
        'the re-evaluation job',
        async () => {
          const j = (await api(`/api/jobs/${r.body.job.id}`)).body;
          return j.status === 'done' || j.status === 'failed' ? j : undefined;
        },
        30_000,
      );
      assert.equal(job.status, 'done', JSON.stringify(job));
      assert.equal(job.done, job.total);
      assert.deepEqual(await members(), ['clicker', 'reader']);
      assert.equal((await previewSegment(db, ws, SEEN_LATELY, 10, now)).count, 2);
      assert.equal(await stageOf('reader'), await stageOf('clicker'));
      assert.equal(Date.parse((await api('/api/customers/reader')).body.lastSeenAt), Date.parse(ago(10)));
      await syncFacts(db);
      assert.equal(await days('reader'), 2, 'the facts are cut again with opens');
      // The same setting again: nothing to do, no job.
      const same = await api('/api/workspace', { method: 'PATCH', body: { activity: { opens: true, clicks: true } } });
      assert.equal(same.status, 200);
      assert.equal(same.body.job, undefined);
    });
  });
}
